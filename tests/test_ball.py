"""The bouncing-ball simulator: physics (exact flight, bounces, energy), the box, shapes, seeds."""

import math

import pytest
import torch

from course_utils import ball


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_shapes_and_dtype():
    one = ball.simulate(25, generator=_gen(0))
    many = ball.simulate_many(7, 25, generator=_gen(0))
    assert one.shape == (25, 2) and many.shape == (7, 25, 2)
    assert many.dtype == torch.float32
    positions, velocities = ball.rollout(*ball.random_states(3, _gen(0)), num_steps=10)
    assert positions.shape == velocities.shape == (3, 10, 2)


def test_same_seed_same_trajectories_other_seed_others():
    a = ball.simulate_many(5, 40, generator=_gen(3))
    b = ball.simulate_many(5, 40, generator=_gen(3))
    c = ball.simulate_many(5, 40, generator=_gen(4))
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not torch.allclose(a, c)


def test_balls_stay_in_the_box():
    box = (2.0, 1.5)
    positions, _ = ball.rollout(*ball.random_states(300, _gen(1), box=box, max_speed=6.0),
                                num_steps=150, box=box)
    assert positions[..., 0].min() >= 0 and positions[..., 0].max() <= box[0]
    assert positions[..., 1].min() >= 0 and positions[..., 1].max() <= box[1]
    assert positions[..., 1].max() > box[1] - 0.05, "fast balls should come near the ceiling"


def test_ceiling_bounce_sends_the_ball_down():
    p, v = ball.step(torch.tensor([[0.5, 0.99]]).double(), torch.tensor([[0.0, 2.0]]).double())
    assert v[0, 1] < 0 and p[0, 1] < 1.0


def test_energy_never_grows_and_is_lost_at_bounces():
    positions, velocities = ball.rollout(*ball.random_states(300, _gen(2)), num_steps=120)
    E = ball.energy(positions, velocities)  # (N, T)
    assert (E[:, 1:] - E[:, :-1]).max() <= 1e-9, "a frame gained energy"
    assert (E[:, -1] < 0.9 * E[:, 0]).float().mean() > 0.9, "bounces should lose energy"


def test_free_flight_is_the_exact_parabola():
    p0, v0 = torch.tensor([[0.2, 0.5]]), torch.tensor([[0.3, 1.0]])
    positions, velocities = ball.rollout(p0, v0, num_steps=6)  # 0.17 s: no wall reached
    t = torch.arange(6, dtype=torch.float64)[:, None] * ball.DT  # (T, 1)
    gravity = torch.tensor([0.0, -ball.GRAVITY], dtype=torch.float64)
    expected = p0.double() + v0.double() * t + 0.5 * gravity * t ** 2  # (T, 2)
    torch.testing.assert_close(positions[0], expected, rtol=0, atol=1e-12)
    torch.testing.assert_close(velocities[0, -1, 1], torch.tensor(1.0 - ball.GRAVITY * 5 * ball.DT,
                                                                  dtype=torch.float64))


def test_floor_bounce_reverses_and_damps_the_vertical_velocity():
    y0, vy0, g, e = 0.01, -1.0, ball.GRAVITY, ball.RESTITUTION
    p, v = ball.step(torch.tensor([[0.5, y0]], dtype=torch.float64),
                     torch.tensor([[0.4, vy0]], dtype=torch.float64))
    impact = math.sqrt(vy0 ** 2 + 2 * g * y0)  # speed when it reaches the floor
    t_impact = (impact + vy0) / g
    t_after = ball.DT - t_impact
    assert v[0, 1] > 0, "the ball should be going up after the bounce"
    assert v[0, 1].item() == pytest.approx(e * impact - g * t_after, rel=1e-9)
    assert p[0, 1].item() == pytest.approx(e * impact * t_after - 0.5 * g * t_after ** 2, rel=1e-9)
    assert v[0, 0].item() == pytest.approx(0.4), "a floor bounce leaves the sideways speed alone"


def test_wall_bounce_reverses_the_horizontal_velocity():
    p, v = ball.step(torch.tensor([[0.99, 0.5]]).double(), torch.tensor([[1.0, 0.0]]).double())
    assert v[0, 0].item() == pytest.approx(-ball.RESTITUTION)
    assert p[0, 0].item() == pytest.approx(1.0 - ball.RESTITUTION * (ball.DT - 0.01))
    p, v = ball.step(torch.tensor([[0.01, 0.5]]).double(), torch.tensor([[-1.0, 0.0]]).double())
    assert v[0, 0].item() == pytest.approx(ball.RESTITUTION)


def test_bounces_do_not_depend_on_the_frame_rate():
    start = ball.random_states(50, _gen(5))
    coarse, _ = ball.rollout(*start, num_steps=40, dt=ball.DT)
    fine, _ = ball.rollout(*start, num_steps=79, dt=ball.DT / 2)
    torch.testing.assert_close(coarse, fine[:, ::2], rtol=0, atol=1e-9)


def test_a_slow_ball_comes_to_rest_and_stays_on_the_floor():
    dropped = torch.tensor([[0.5, 0.3]], dtype=torch.float64), torch.zeros(1, 2, dtype=torch.float64)
    positions, velocities = ball.rollout(*dropped, num_steps=300)
    assert positions[0, -50:, 1].abs().max() == 0 and velocities[0, -50:, 1].abs().max() == 0
    assert positions[0, :, 1].max() <= 0.3 + 1e-12


def test_next_position_pairs_line_up_with_the_trajectories():
    traj = ball.simulate_many(3, 12, generator=_gen(6))  # (N, T, 2)
    X, Y = ball.next_position_pairs(traj, history=4)
    assert X.shape == (3 * 8, 4, 2) and Y.shape == (3 * 8, 2)
    torch.testing.assert_close(X[0], traj[0, 0:4])
    torch.testing.assert_close(Y[0], traj[0, 4])
    torch.testing.assert_close(X[8 + 2], traj[1, 2:6])  # second trajectory, third pair
    torch.testing.assert_close(Y[-1], traj[-1, -1])
    # Same `first`: the one-frame inputs are the last frame of the four-frame inputs, same targets.
    X1, Y1 = ball.next_position_pairs(traj, history=1, first=3)
    torch.testing.assert_close(X1[:, 0], X[:, -1])
    torch.testing.assert_close(Y1, Y)


@pytest.mark.parametrize("shape, history, first", [((3, 10), 2, None), ((3, 10, 2), 0, None),
                                                    ((3, 10, 2), 3, 1), ((3, 10, 2), 2, 9)])
def test_next_position_pairs_rejects_bad_arguments(shape, history, first):
    with pytest.raises(ValueError):
        ball.next_position_pairs(torch.zeros(shape), history, first)


def test_step_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        ball.step(torch.zeros(2), torch.zeros(2))
