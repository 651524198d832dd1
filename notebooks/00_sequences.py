# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,colab
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 00 · Sequences in the wild
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/00_sequences.ipynb)
#
# Here is one photograph of a ball in flight. Where will it be a moment later? Up or down, left
# or right? One picture cannot tell you: the same spot is passed by balls on their way up and
# on their way down. Give yourself the last few pictures, and the question becomes easy. That
# is what this course is about: **data whose meaning lies in its order**, and models that
# remember what came before.
#
# **Learning goals**
#
# - See why a single frame is *ambiguous*, and measure how much a short history helps: two small
#   networks predict a bouncing ball's next position, one from the current frame, one from the
#   last four.
# - Compare learned predictors with simple baselines ("it stays put", "it keeps its velocity").
# - Recognise sound as a sequence: thousands of numbers per second, with the pitch hidden in
#   how they change over time.
# - Turn text into sequences of characters or of words with a vocabulary, and compare the two.
# - Set up the next step of the course: predicting the next word from a fixed window.

# %% slideshow={"slide_type": "subslide"}
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
import torch
from torch import nn
from collections import Counter
import numpy as np
import matplotlib.pyplot as plt
from IPython.display import Audio, display
from ipywidgets import IntSlider, interact
from course_utils import ball, config, data, plotting, results, text, training
from course_utils.claims import claim
cfg = config.setup(seed=0)
cfg

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · A bouncing ball
#
# `course_utils.ball` simulates a ball in a box one metre wide and one metre tall, filmed at
# 30 frames per second. Gravity pulls it down; it bounces off the floor, the walls and the
# ceiling, keeping 80% of its speed across the wall at each bounce, so it loses energy and
# eventually lies on the floor. Each *frame* is just the position of the ball's centre: two
# numbers, `(x, y)` in metres. A *trajectory* is a sequence of frames, a tensor `(T, 2)`.

# %% slideshow={"slide_type": "subslide"}
generator = torch.Generator().manual_seed(cfg.seed)
num_frames = 60  # 2 seconds at 30 frames per second
throw = ball.simulate(num_frames, generator=generator)  # (T, 2)
print(f"one throw: {tuple(throw.shape)} = {num_frames} frames of (x, y), one every "
      f"{1000 * ball.DT:.0f} ms; a bounce keeps {ball.RESTITUTION:.0%} of the speed across the wall")
print("first three frames:", [[round(v, 3) for v in f] for f in throw[:3].tolist()])

fig, ax = plt.subplots(figsize=(5, 4.6))
ax.plot(*throw.T, color="lightgray", zorder=0)
points = ax.scatter(*throw.T, c=range(num_frames), cmap="viridis", s=18, label="frames")
fig.colorbar(points, label="frame number")
ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal", xlabel="x (m)", ylabel="height y (m)",
       title="One simulated throw, frame by frame")
ax.legend(loc="upper right")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### One frame, two futures
#
# Take a single frame: the ball at `(0.5, 0.45)`. Here are two balls that both pass through
# exactly this frame. The first is on its way up, the second on its way down. Their pasts
# differ, and so do their futures; the frame itself is *identical*.
#
# (To draw each ball's past we run the simulation backwards in time by flipping its velocity:
# a flight under gravity looks the same played in reverse, as long as nothing bounces.)

# %% slideshow={"slide_type": "subslide"}
here = torch.tensor([[0.5, 0.45], [0.5, 0.45]], dtype=torch.float64)  # (2, 2): the same frame twice
velocity = torch.tensor([[0.6, 1.6], [0.6, -1.6]], dtype=torch.float64)  # (2, 2): up, down (m/s)
future, _ = ball.rollout(here, velocity, num_steps=8)  # (2, 8, 2), frame 0 is `here`
past, _ = ball.rollout(here, -velocity, num_steps=4)  # (2, 4, 2), backwards in time from `here`
past = past.flip(1)  # (2, 4, 2), oldest first, ending at `here`

gap = (future[0] - future[1]).norm(dim=-1)  # (8,) distance between the two balls, frame by frame
print(f"same frame: {torch.equal(future[0, 0], future[1, 0])}; within {7 * 1000 * ball.DT:.0f} ms "
      f"the two balls are up to {100 * gap.max():.0f} cm apart")
gap = gap.max().item()
assert torch.equal(future[0, 0], future[1, 0])
claim("two balls through the same frame, one going up, one down, are over 30 cm apart within 7 frames (m)",
      gap, ">", 0.3)

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(10, 4.4))
axes[0].scatter(*here[0], s=160, color="black", label="the frame")
axes[0].set_title("What a one-frame model sees")
for i, (name, color) in enumerate([("going up", "tab:blue"), ("going down", "tab:red")]):
    axes[1].plot(*past[i].T, "o", color=color, alpha=0.35, label=f"past, {name}")
    axes[1].plot(*future[i].T, ".--", color=color, label=f"future, {name}")
axes[1].scatter(*here[0], s=160, color="black", label="the same frame", zorder=3)
axes[1].set_title("Two balls, the same frame, two futures")
for ax in axes:
    ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal", xlabel="x (m)", ylabel="height y (m)")
    ax.legend(loc="lower left", fontsize=8)
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Is that a contrived example? Let us check on data. We simulate many throws from random
# starting points and velocities: some to learn from, others held out to test on. For every
# frame with at least four frames before it, we store the **last five frames** and the
# **next position** (`ball.next_position_pairs`). Every model below predicts these same targets,
# whatever part of the history it is given.

# %% slideshow={"slide_type": "-"}
num_train_throws = cfg.pick(smoke=60, class_=600, full=4000)
num_test_throws = cfg.pick(smoke=20, class_=200, full=1000)
max_history = 5
train_throws = ball.simulate_many(num_train_throws, num_frames, generator=generator)  # (N, T, 2)
test_throws = ball.simulate_many(num_test_throws, num_frames, generator=generator)  # (N', T, 2)
X_train, Y_train = ball.next_position_pairs(train_throws, max_history)  # (M, 5, 2), (M, 2)
X_test, Y_test = ball.next_position_pairs(test_throws, max_history)  # (M', 5, 2), (M', 2)
print(f"{num_train_throws} training throws -> {len(X_train):,} (frames, next position) pairs; "
      f"{num_test_throws} held-out throws -> {len(X_test):,} pairs")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now pick one spot, the frame from above, and collect every training frame where the ball was
# within 5 cm of it. Where did the ball go next? The arrows (stretched 2x to be visible) show
# the step to the next frame.

# %% slideshow={"slide_type": "-"}
spot = torch.tensor([0.5, 0.45])
current, step = X_train[:, -1], Y_train - X_train[:, -1]  # (M, 2) each
near = (current - spot).norm(dim=-1) < 0.05  # (M,) frames close to the spot
going_up = step[near, 1] > 0  # (n,)
fraction_up = going_up.float().mean().item()
fraction_right = (step[near, 0] > 0).float().mean().item()
print(f"{int(near.sum())} frames near the spot: {fraction_up:.0%} went up next, "
      f"{1 - fraction_up:.0%} down; {fraction_right:.0%} went right, {1 - fraction_right:.0%} left")
claim("at least 30 training frames pass within 5 cm of the spot", int(near.sum()), ">=", 30)
claim("near the spot, over 15% of the frames went up next (share up)", fraction_up, ">", 0.15)
claim("near the spot, over 15% of the frames went down next (share up below 0.85)", fraction_up, "<", 0.85)
claim("near the spot, over 15% of the frames went right next (share right)", fraction_right, ">", 0.15)
claim("near the spot, over 15% of the frames went left next (share right below 0.85)",
      fraction_right, "<", 0.85)

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(5, 4.6))
for mask, color, name in [(going_up, "tab:blue", "next frame higher"),
                          (~going_up, "tab:red", "next frame lower")]:
    ax.quiver(*current[near][mask].T, *(2 * step[near][mask]).T, color=color, angles="xy",
              scale_units="xy", scale=1, width=0.004, label=name)
ax.set(xlim=(0.3, 0.7), ylim=(0.25, 0.65), aspect="equal", xlabel="x (m)", ylabel="height y (m)",
       title="Training frames within 5 cm of one spot:\nwhere the ball went next")
ax.legend(loc="lower left", fontsize=8)
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Predicting the next position
#
# **Two baselines** need no learning:
#
# - *Stay put*: the next position is the current one. It uses one frame.
# - *Constant velocity*: the ball keeps the step it made between the last two frames,
#   $\hat p_{t+1} = p_t + (p_t - p_{t-1})$. It uses two frames and ignores gravity and bounces.
#
# **Two learned models**, the same small network given different inputs: one sees only the
# current frame, the other the last four. The network predicts the *step* to the next frame and
# adds it to the current position, $\hat p_{t+1} = p_t + \text{MLP}(p_{t-k+1}, \dots, p_t)$.
# The error is the mean squared distance between the predicted and the true next position,
# on the held-out throws.

# %% slideshow={"slide_type": "subslide"}
def mse(prediction: torch.Tensor, target: torch.Tensor) -> float:
    """Mean squared error per coordinate, in square metres: (M, 2), (M, 2) -> float."""
    return ((prediction - target) ** 2).mean().item()


stay_put_mse = mse(X_test[:, -1], Y_test)  # (M', 2) vs (M', 2)
constant_velocity_mse = mse(2 * X_test[:, -1] - X_test[:, -2], Y_test)
print(f"stay put:          MSE {stay_put_mse:.2e} m^2")
print(f"constant velocity: MSE {constant_velocity_mse:.2e} m^2")


# %% slideshow={"slide_type": "subslide"}
class NextPositionMLP(nn.Module):
    """Next position = current frame + a step computed from the last ``history`` frames."""

    def __init__(self, history: int, hidden_size: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(),  # (B, k, 2) -> (B, 2k)
                                 nn.Linear(2 * history, hidden_size), nn.ReLU(),
                                 nn.Linear(hidden_size, hidden_size), nn.ReLU(),
                                 nn.Linear(hidden_size, 2))

    def forward(self, frames: torch.Tensor) -> torch.Tensor:  # (B, k, 2), oldest first
        return frames[:, -1] + self.net(frames)  # (B, 2)


def mse_loss(model: nn.Module, batch) -> torch.Tensor:
    frames, target = batch  # (B, k, 2), (B, 2)
    return ((model(frames) - target) ** 2).mean()


# %% [markdown] slideshow={"slide_type": "-"}
# Both models are trained the same way: Adam, mini-batches of 256 pairs, a learning rate that
# decays to zero (`training.fit` shows a progress bar and returns the loss history).

# %% slideshow={"slide_type": "subslide"}
hidden_size = cfg.pick(smoke=16, class_=64, full=256)
num_train_steps = cfg.pick(smoke=50, class_=800, full=6000)


def train_next_position(history: int, steps: int = num_train_steps) -> tuple[nn.Module, training.History]:
    """Train a NextPositionMLP on the last ``history`` frames of the training pairs."""
    frames = X_train[:, -history:]  # (M, k, 2)
    model = NextPositionMLP(history, hidden_size).to(cfg.device)
    log = training.fit(model, lambda: text.random_batches(frames, Y_train, batch_size=256), mse_loss,
                       steps=steps, lr=3e-3, schedule="cosine", desc=f"{history} frame(s)")
    return model, log


@torch.no_grad()
def test_mse(model: nn.Module, history: int) -> float:
    """Held-out MSE of a model given the last ``history`` frames."""
    model.eval()
    return mse(model(X_test[:, -history:].to(cfg.device)).cpu(), Y_test)


# %% slideshow={"slide_type": "subslide"}
history = 4
one_frame_model, one_frame_log = train_next_position(1)
history_model, history_log = train_next_position(history)
one_frame_mse, history_mse = test_mse(one_frame_model, 1), test_mse(history_model, history)
print(f"trained in {one_frame_log.seconds:.1f} s and {history_log.seconds:.1f} s")
print(f"one-frame model:   MSE {one_frame_mse:.2e} m^2")
print(f"{history}-frame model:     MSE {history_mse:.2e} m^2")

# %% [markdown] slideshow={"slide_type": "-"}
# The same numbers as a typical error in centimetres (the square root of the MSE):

# %% slideshow={"slide_type": "subslide"}
errors_cm = {"stay put": stay_put_mse, "one-frame\nMLP": one_frame_mse,
             "constant\nvelocity": constant_velocity_mse, f"{history}-frame\nMLP": history_mse}
errors_cm = {name: 100 * value ** 0.5 for name, value in errors_cm.items()}
plotting.comparison_bars(errors_cm, ylabel="root mean squared error (cm)",
                         title="Next-position error on held-out throws")
plt.show()
print(f"the {history}-frame model's MSE is {history_mse / one_frame_mse:.1%} of the one-frame "
      f"model's and {history_mse / constant_velocity_mse:.1%} of constant velocity's; the "
      f"one-frame model's is {one_frame_mse / stay_put_mse:.0%} of staying put")
claim("four frames of history cut the one-frame error by more than 4x (MSE ratio)",
      history_mse / one_frame_mse, "<", 0.25)
claim("four frames of history more than halve the constant-velocity error (MSE ratio)",
      history_mse / constant_velocity_mse, "<", 0.5)
claim("one frame barely beats 'the ball stays put': over 75% of its error remains (MSE ratio)",
      one_frame_mse / stay_put_mse, ">", 0.75)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Where does the four-frame network beat "constant velocity"? Split the held-out pairs in two.
# In **free flight** the step changes by exactly gravity's pull each frame,
# $p_{t+1} - 2p_t + p_{t-1} = (0, -g\,\Delta t^2)$; every other pair has the ball **touching a
# wall or the floor** (a bounce, or rolling) somewhere between frames $t-1$ and $t+1$.

# %% slideshow={"slide_type": "subslide"}
gravity_step = torch.tensor([0.0, -ball.GRAVITY * ball.DT ** 2])  # (2,) free-flight change of step
constant_velocity = 2 * X_test[:, -1] - X_test[:, -2]  # (M', 2)
free = (Y_test - constant_velocity - gravity_step).norm(dim=-1) < 1e-4  # (M',) free flight
with torch.no_grad():
    history_prediction = history_model(X_test[:, -history:].to(cfg.device)).cpu()  # (M', 2)
subsets = {"free flight": free, "touching": ~free}
split = {name: (mse(constant_velocity[m], Y_test[m]), mse(history_prediction[m], Y_test[m]))
         for name, m in subsets.items()}  # name -> (constant velocity MSE, network MSE)
for name, (cv, net) in split.items():
    print(f"{name:>11} ({subsets[name].float().mean():.0%} of pairs): "
          f"constant velocity MSE {cv:.2e}, {history}-frame model {net:.2e}")
free_ratio = results.record("free flight: four-frame model's MSE over constant velocity's",
                            split["free flight"][1] / split["free flight"][0], better="lower")
print(f"in free flight the {history}-frame model's MSE is {free_ratio:.2f}x constant velocity's")
claim("touching a wall, the four-frame model's error is under a quarter of constant velocity's (MSE ratio)",
      split["touching"][1] / split["touching"][0], "<", 0.25)  # it learned the bounces

# %% [markdown] slideshow={"slide_type": "subslide"}
# Three lessons in these numbers:
#
# 1. **One frame is nearly useless.** The one-frame network does little better than "the ball
#    stays where it is": all it can learn is the *average* step taken from each spot, and at most
#    spots the ball goes every which way.
# 2. **A short history makes the problem easy.** Two frames give the velocity, three give the
#    acceleration; the four-frame network's error is a small fraction of the one-frame network's.
# 3. **Learning beats the obvious rule where the rule is wrong.** "Constant velocity" also uses
#    the history, but ignores gravity and bounces. From examples alone the network learned the
#    bounces: where the ball touches a wall its error is a fraction of the rule's. In free flight
#    the rule misses only gravity's pull, a fraction of a millimetre per frame, and there the
#    network is about as good as the rule, sometimes better and sometimes worse depending on the
#    seed and CPU (RESULTS.md lists the ratio printed above over the seeds we ran), so the
#    notebook claims nothing about free flight. A perfect model would have no error there
#    at all.
#
# ### Scrub through a held-out throw
#
# Move the slider through time (it starts at the frame where the one-frame model is furthest
# off). The gray line is the throw so far, the green dots the four frames the history model
# sees; the right panel zooms in on the ball. Watch the one-frame model (orange) near the top
# of an arc and at a bounce, and compare it with the four-frame model (green).

# %% slideshow={"slide_type": "subslide"}
path_lengths = (test_throws[:, 1:] - test_throws[:, :-1]).norm(dim=-1).sum(1)  # (N',) metres
demo = test_throws[path_lengths.argmax()]  # (T, 2): the liveliest held-out throw
demo_X, demo_Y = ball.next_position_pairs(demo[None], max_history)  # (T-5, 5, 2), (T-5, 2)
with torch.no_grad():
    demo_one = one_frame_model(demo_X[:, -1:].to(cfg.device)).cpu()  # (T-5, 2)
    demo_history = history_model(demo_X[:, -history:].to(cfg.device)).cpu()  # (T-5, 2)
worst = int((demo_one - demo_Y).norm(dim=-1).argmax()) + max_history - 1  # one-frame model's worst


# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
def draw_prediction(frame: int) -> None:
    """The throw up to ``frame``, the true next position and both models' guesses (and a zoom)."""
    i = frame - (max_history - 1)  # row of demo_X whose current frame is `frame`
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    for ax in axes:
        ax.plot(*demo[:frame + 1].T, ".-", color="lightgray", label="frames so far")
        ax.plot(*demo_X[i, -history:].T, "o", color="tab:green", alpha=0.4,
                label=f"last {history} frames")
        ax.plot(*demo_X[i, -1], "o", mfc="none", mec="black", ms=12, label="current frame")
        ax.plot(*demo_Y[i], "kx", ms=10, mew=2.5, label="true next position")
        ax.plot(*demo_one[i], "s", color="tab:orange", ms=8, label="one-frame model")
        ax.plot(*demo_history[i], "^", color="tab:green", ms=8, label=f"{history}-frame model")
        ax.set(aspect="equal", xlabel="x (m)", ylabel="height y (m)")
    one_cm, hist_cm = (100 * (p - demo_Y[i]).norm().item() for p in (demo_one[i], demo_history[i]))
    axes[0].set(xlim=(0, 1), ylim=(0, 1), title=f"Frame {frame} of a held-out throw")
    shown = torch.cat([demo_X[i, -2:], demo_Y[i:i + 1], demo_one[i:i + 1], demo_history[i:i + 1]])
    low, high = shown.min(0).values, shown.max(0).values  # (2,) corners of what matters now
    centre, half = (low + high) / 2, (high - low).max().item() / 2 + 0.02  # a square, 2 cm margin
    axes[1].set(xlim=(centre[0] - half, centre[0] + half), ylim=(centre[1] - half, centre[1] + half),
                title=f"Zoom: off by {one_cm:.1f} cm (one frame), {hist_cm:.1f} cm ({history} frames)")
    axes[0].legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    plt.show()


draw_prediction(worst)
interact(draw_prediction, frame=IntSlider(value=worst, min=max_history - 1, max=num_frames - 2));

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Sound is a sequence
#
# A microphone measures air pressure many thousands of times per second. Below we synthesise
# four notes (C, E, G and the C above, 0.4 s each) as sine waves with a soft attack and decay.
# At a **sample rate** of 8,000 samples per second (telephone quality; a CD uses 44,100),
# **one second of sound is 8,000 steps** of a sequence. Press play.

# %% slideshow={"slide_type": "-"}
sample_rate = 8_000  # samples per second
notes = {"C4": 261.63, "E4": 329.63, "G4": 392.00, "C5": 523.25}  # Hz
note_seconds = 0.4
t = np.arange(int(sample_rate * note_seconds)) / sample_rate  # (S,) seconds within a note
envelope = np.minimum(1.0, 50 * t) * np.exp(-4 * t)  # (S,) quick attack, slow decay
segments = [envelope * (0.6 * np.sin(2 * np.pi * f * t) + 0.2 * np.sin(4 * np.pi * f * t))
            for f in notes.values()]  # 4 x (S,): each note plus its octave overtone
wave = np.concatenate(segments)  # (4 S,)
print(f"{len(wave):,} samples for {len(wave) / sample_rate:.1f} s of sound")
display(Audio(wave, rate=sample_rate))

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(12, 3.4))
axes[0].plot(np.arange(len(wave)) / sample_rate, wave, lw=0.5)
axes[0].set(xlabel="time (s)", ylabel="amplitude", title=f"Four notes: {len(wave):,} steps")
zoom = slice(int(0.1 * sample_rate), int(0.12 * sample_rate))  # 20 ms from 0.1 s into a note
for name, segment in zip(["C4", "C5"], [segments[0], segments[3]]):
    axes[1].plot(1000 * t[zoom], segment[zoom], ".-", ms=3, label=name)
axes[1].set(xlabel="time within the note (ms)", ylabel="amplitude",
            title=f"Zoom: 20 ms = {zoom.stop - zoom.start} samples of two notes")
axes[1].legend()
plt.tight_layout()
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# One sample is one number: it says nothing about which note is playing. The pitch lives in how
# the samples *repeat*: the higher the note, the fewer samples in one period (C5, an octave above
# C4, repeats twice as often). The Fourier transform of each 0.4 s segment finds that repetition
# again, which we check against the notes we played; the periods it finds are printed below.

# %% slideshow={"slide_type": "-"}
for (name, f), segment in zip(notes.items(), segments):
    spectrum = np.abs(np.fft.rfft(segment))  # (S/2 + 1,)
    frequencies = np.fft.rfftfreq(len(segment), d=1 / sample_rate)  # (S/2 + 1,) Hz
    found = frequencies[spectrum.argmax()]
    print(f"{name}: played {f:.1f} Hz, found {found:.1f} Hz, one period = "
          f"{sample_rate / found:.1f} samples")
    claim(f"the Fourier transform finds {name} within one frequency bin (Hz off)",
          abs(found - f), "<=", sample_rate / len(segment))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Text is a sequence: of characters, or of words
#
# A model reads numbers, not letters. We cut the text into **tokens** (`text.tokenize`, at the
# level of characters or of words) and number them with a **vocabulary** (`text.Vocab`, most
# frequent first; id 0 is `<unk>`, for anything not in the vocabulary). Here is the first
# sentence of H. G. Wells's *The Time Machine* both ways.

# %% slideshow={"slide_type": "subslide"}
sentence = ("The Time Traveller (for so it will be convenient to speak of him) "
            "was expounding a recondite matter to us.")
chars, words = text.tokenize(sentence, "char"), text.tokenize(sentence, "word")
char_vocab, word_vocab = text.Vocab(chars), text.Vocab(words)
char_ids, word_ids = char_vocab.encode(chars), word_vocab.encode(words)  # list[int] each
print("characters:", chars[:24], "...")
print("char ids:  ", char_ids[:24], "...")
print("words:     ", words)
print("word ids:  ", word_ids)
print(f"{len(chars)} character tokens from {len(char_vocab)} ids; "
      f"{len(words)} word tokens from {len(word_vocab)} ids")
assert "".join(char_vocab.decode(char_ids)) == sentence, "characters should round-trip exactly"
assert word_vocab.decode(word_ids) == words, "words should round-trip (lower-cased)"
claim("the sentence has over four times as many character tokens as word tokens (ratio)",
      len(chars) / len(words), ">", 4)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Characters round-trip exactly; words lose capital letters (the word tokenizer lower-cases)
# but nothing else. The character sequence is more than four times longer (the counts are
# printed above). Now the whole book:

# %% slideshow={"slide_type": "subslide"}
book = data.load_time_machine()
book_chars, book_words = text.tokenize(book, "char"), text.tokenize(book, "word")
book_char_vocab, book_word_vocab = text.Vocab(book_chars), text.Vocab(book_words)
seen_once = sum(1 for n in book_word_vocab.counts.values() if n == 1)
print(f"characters: {len(book_chars):,} tokens, vocabulary {len(book_char_vocab)}")
print(f"words:      {len(book_words):,} tokens, vocabulary {len(book_word_vocab):,} "
      f"({seen_once:,} of them seen only once)")
print("most common words:", book_word_vocab.idx_to_token[1:11])
print("an unseen word:", book_word_vocab.encode(["smartphone"]), "->",
      book_word_vocab.decode(book_word_vocab.encode(["smartphone"])))
claim("the book's character vocabulary has under a hundred symbols", len(book_char_vocab), "<", 100)
claim("the book's word vocabulary has over a thousand words", len(book_word_vocab), ">", 1000)
claim("the book has over four times as many character tokens as word tokens (ratio)",
      len(book_chars) / len(book_words), ">", 4)

# %% [markdown] slideshow={"slide_type": "slide"}
# The trade-off in two numbers: characters give a **small vocabulary** (under a hundred
# symbols) but **long sequences**; words give sequences more than four times shorter but a
# **vocabulary of thousands**, many of them seen once, and every word outside it becomes
# `<unk>` (the counts are printed above). Later notebooks use both.
#
# ## 5 · Next: predict the next word from a fixed window
#
# The ball taught us that the next step depends on the recent past. Text is the same: after
# *"the"* almost anything can follow; after *"the time"* far fewer words can. We count, in the
# book, which words follow each context:

# %% slideshow={"slide_type": "subslide"}
def next_words(context: list[str]) -> Counter:
    """How often each word follows ``context`` in the book."""
    n = len(context)
    return Counter(book_words[i + n] for i in range(len(book_words) - n)
                   if book_words[i:i + n] == context)


top_share = {}
for context in (["the"], ["the", "time"]):
    follow = next_words(context)
    word, count = follow.most_common(1)[0]
    top_share[" ".join(context)] = count / sum(follow.values())
    print(f"after '{' '.join(context)}' ({sum(follow.values())} times): {len(follow)} different next "
          f"words; the most common, '{word}', {top_share[' '.join(context)]:.0%} of the time")
claim("'the time' narrows the next word: its top word's share is over 5x that after 'the' (ratio)",
      top_share["the time"] / top_share["the"], ">", 5)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The simplest way to use the past is a **fixed window**: give the model the last two words
# and ask for the next one, exactly like the four-frame ball model. The lecture's example is
# "This morning I took my cat for a walk.": given these two words, *for a*, predict the next
# word, *walk*. `text.lm_windows` cuts a token stream into such windows; the last target of each
# window is the word after it.

# %% slideshow={"slide_type": "-"}
book_ids = torch.tensor(book_word_vocab.encode(book_words))  # (L,)
windows, targets = text.lm_windows(book_ids[:2_000], num_steps=2, stride=1)  # (N, 2), (N, 2)
for row in range(40, 45):
    print(f"{' '.join(book_word_vocab.decode(windows[row])):>30}  ->  "
          f"{book_word_vocab.decode([targets[row, -1]])[0]}")

# %% [markdown] slideshow={"slide_type": "slide"}
# The next notebook trains a network on exactly these two-word windows. A fixed window has the
# weakness the ball already hinted at: whatever lies just outside it is forgotten. Recurrent
# networks, later in the course, replace the window by a memory that is carried along the
# whole sequence.
#
# ## Summary
#
# - A sequence is data whose order matters: positions of a ball frame after frame, air pressure
#   sample after sample, characters or words one after another.
# - **One frame is ambiguous.** Near any spot the ball was seen going up and going down; a
#   network given only the current position did barely better than predicting that the ball
#   stays put.
# - **A short history resolves it.** The same network given the last four frames cut the
#   error by a factor of 8 or more on every seed and CPU path we ran (RESULTS.md: 12 runs), and
#   more than halved the constant-velocity rule's error because it learned gravity and bounces.
# - **Sound** at 8,000 samples per second is 8,000 steps per second; pitch is visible only over
#   many steps (a period of 15-31 samples for our notes).
# - **Text** becomes a sequence of ids through a tokenizer and a vocabulary: characters give a
#   small vocabulary and long sequences, words a large vocabulary and shorter sequences.
#
# ## Exercises
#
# ### Exercise 1 · How many frames of history are needed? (★☆☆)
#
# Train the next-position network with
# `k = 1, 2, 3, 5` frames (use `train_next_position(k)` and `test_mse(model, k)`; all share the
# same targets) and plot the held-out MSE against `k` on a log scale. Store the errors in a
# dict `errors_by_history = {k: mse}`. How much does the second frame help? The third?
# Why might the third frame matter? Think of what two frames cannot tell you when the ball
# bounced between them. Write your answer in the cell after the check.

# %% slideshow={"slide_type": "subslide"}
def history_errors(ks: list[int]) -> dict[int, float]:
    """Held-out MSE (m^2) of a next-position MLP trained on each number of frames k in ``ks``."""
    # HINT: for each k, train with train_next_position(k) and measure with test_mse(model, k)
    ### BEGIN SOLUTION
    errors = {}
    for k in ks:
        model_k, _ = train_next_position(k)
        errors[k] = test_mse(model_k, k)
    return errors
    ### END SOLUTION


errors_by_history = history_errors([1, 2, 3, 5])
for k, error in errors_by_history.items():
    print(f"k = {k}: held-out MSE {error:.2e} m^2")
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.semilogy(list(errors_by_history), list(errors_by_history.values()), "o-", label="MLP")
ax.axhline(constant_velocity_mse, ls="--", color="gray", label="constant velocity")
ax.set(xticks=list(errors_by_history), xlabel="frames of history k", ylabel="held-out MSE (m$^2$)",
       title="How much history does the ball need?")
ax.legend()
plt.show()

# %% slideshow={"slide_type": "subslide"}
assert {1, 2, 3, 5} <= set(errors_by_history), "errors_by_history needs an MSE for k = 1, 2, 3 and 5"
claim("a second frame (the velocity) cuts the one-frame error by more than half (MSE ratio)",
      errors_by_history[2] / errors_by_history[1], "<", 0.5)
claim("three or five frames cut the two-frame error by more than 20% (best MSE ratio)",
      min(errors_by_history[3], errors_by_history[5]) / errors_by_history[2], "<", 0.8)

# %% [markdown] nbgrader={"cell_type": "markdown", "grade": false, "grade_id": "ex1_history_answer", "locked": false, "schema_version": 3, "solution": true} slideshow={"slide_type": "-"}
# The big drop is from one frame to two, which give the velocity. More frames still help, but
# by an amount that varies a lot from run to run (rerun with `COURSE_SEED=1, 2, 3` and compare
# the printed errors), and five frames do not always beat three. What a third frame adds is the
# step before the last one: two frames cannot tell a bounce between them from a straight
# flight, three show whether the step changed. Gravity needs no extra frame: it is the same
# everywhere, so the network can learn it as a constant.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · Bouncier balls (★★☆)
#
# Simulate with `restitution=0.95` (pass it to `ball.simulate_many`) and
# retrain both models. Does the one-frame model's error change? Does the four-frame model's?
# Explain with the lessons of section 2.
#
# ### Exercise 3 · Characters or words? (★☆☆)
#
# For the first 1,000 characters of the book, how many tokens does
# each tokenization give, and how many distinct ids? Which would you rather predict one at a
# time, and why?
