"""A bouncing ball in a 2-D box: the course's first sequence, and why one frame is not enough.

    trajectories = simulate_many(500, num_steps=60, generator=torch.Generator().manual_seed(0))
    # (500, 60, 2): x (across) and y (height) of the ball's centre at every frame
    X, Y = next_position_pairs(trajectories, history=4)   # X (M, 4, 2) last frames, Y (M, 2) next

The ball falls under gravity and bounces off the floor, the walls and the ceiling of a box
``[0, width] x [0, height]`` (metres). Every bounce keeps a fraction ``restitution`` of the speed
across the wall, so energy is lost at bounces and never gained. Between bounces the motion is
integrated exactly (a parabola), and each bounce is placed at its exact time inside a frame, so
the simulation does not depend on the frame rate and a ball never leaks through a wall.
A ball whose bounce off the floor is slower than ``rest_speed`` stops bouncing: it lies on the
floor (``y == 0`` and ``vy == 0``) and only rolls sideways.
"""

from __future__ import annotations

import torch

GRAVITY = 9.81  # m / s^2
DT = 1 / 30  # seconds per frame: a 30 frames-per-second camera
BOX = (1.0, 1.0)  # width, height in metres
RESTITUTION = 0.8  # fraction of the speed across a wall kept by a bounce
REST_SPEED = 0.05  # m / s: slower floor bounces stop the ball bouncing
MAX_EVENTS = 64  # bounces one frame may hold before the simulation gives up


def energy(position: torch.Tensor, velocity: torch.Tensor, gravity: float = GRAVITY) -> torch.Tensor:
    """Mechanical energy per unit mass, ``|v|^2 / 2 + g y``: (..., 2), (..., 2) -> (...).

    >>> energy(torch.tensor([0.5, 1.0]), torch.tensor([0.0, 0.0]), gravity=10.0)
    tensor(10.)
    """
    return 0.5 * (velocity ** 2).sum(-1) + gravity * position[..., 1]


def _time_to_walls(position: torch.Tensor, velocity: torch.Tensor, resting: torch.Tensor,
                   box: tuple[float, float], gravity: float) -> tuple[torch.Tensor, ...]:
    """Time until each ball next touches each wall: (N, 2), (N, 2), (N,) -> 4 tensors (N,).

    Straight motion across, a parabola up and down; ``inf`` where that wall is never reached.
    """
    (x, y), (vx, vy) = position.unbind(-1), velocity.unbind(-1)  # (N,) each
    width, height = box
    inf = torch.full_like(x, float("inf"))
    t_right = torch.where(vx > 0, (width - x) / vx.clamp(min=1e-300), inf)
    t_left = torch.where(vx < 0, x / (-vx).clamp(min=1e-300), inf)
    # Floor: y + vy t - g t^2 / 2 = 0, the positive root, written to avoid cancellation.
    s = (vy ** 2 + 2 * gravity * y.clamp(min=0)).sqrt()  # (N,)
    t_floor = torch.where(vy > 0, (vy + s) / gravity, 2 * y.clamp(min=0) / (s - vy).clamp(min=1e-300))
    t_floor = torch.where(resting, inf, t_floor)
    # Ceiling: y + vy t - g t^2 / 2 = height, reached only on the way up if the ball climbs so high.
    disc = vy ** 2 - 2 * gravity * (height - y)  # (N,)
    reach = (vy > 0) & (disc >= 0)
    t_ceil = torch.where(reach, 2 * (height - y) / (vy + disc.clamp(min=0).sqrt()).clamp(min=1e-300),
                         inf)
    return t_right.clamp(min=0), t_left.clamp(min=0), t_floor.clamp(min=0), t_ceil.clamp(min=0)


def step(position: torch.Tensor, velocity: torch.Tensor, dt: float = DT, *,
         gravity: float = GRAVITY, restitution: float = RESTITUTION, box: tuple[float, float] = BOX,
         rest_speed: float = REST_SPEED) -> tuple[torch.Tensor, torch.Tensor]:
    """Advance balls by one frame of ``dt`` seconds: (N, 2), (N, 2) -> (N, 2), (N, 2).

    Exact free flight between bounces; each bounce happens at its exact time within the frame,
    reverses the velocity across the wall and keeps ``restitution`` of it.

    >>> p, v = step(torch.tensor([[0.5, 0.1]]), torch.tensor([[0.0, -3.0]]), dt=0.05, gravity=0.0)
    >>> p, v    # hit the floor after 1/30 s, then rose at 0.8 * 3 m/s for the remaining 1/60 s
    (tensor([[0.5000, 0.0400]]), tensor([[0.0000, 2.4000]]))
    """
    if position.shape != velocity.shape or position.shape[-1] != 2 or position.dim() != 2:
        raise ValueError(f"position and velocity must both be (N, 2); got {tuple(position.shape)} "
                         f"and {tuple(velocity.shape)}")
    width, height = box
    x, y = position.unbind(-1)  # (N,) each
    vx, vy = velocity.unbind(-1)  # (N,) each
    remaining = torch.full_like(x, float(dt))  # (N,) time left in this frame
    for _ in range(MAX_EVENTS):
        if not (remaining > 0).any():
            break
        resting = (y <= 0) & (vy == 0)  # (N,) lying on the floor: no fall, no floor bounce
        times = _time_to_walls(torch.stack([x, y], -1), torch.stack([vx, vy], -1), resting, box,
                               gravity)  # 4 x (N,): right wall, left wall, floor, ceiling
        t_hit = torch.minimum(torch.minimum(times[0], times[1]),
                              torch.minimum(times[2], times[3]))  # (N,) time of the next bounce
        hit = t_hit <= remaining  # (N,) a bounce happens within this frame
        tau = torch.where(hit, t_hit, remaining)  # (N,) fly this long
        g = gravity * (~resting).to(x.dtype)  # (N,) no fall while lying on the floor
        x, y = x + vx * tau, y + vy * tau - 0.5 * g * tau ** 2
        vy = vy - g * tau
        remaining = torch.where(hit, remaining - tau, 0.0)
        # Bounce off every wall reached at this instant (two at once in a corner).
        at_right, at_left, at_floor, at_ceil = (hit & (t <= t_hit) for t in times)  # (N,) each
        x = torch.where(at_right, width, torch.where(at_left, 0.0, x))
        vx = torch.where(at_right | at_left, -restitution * vx, vx)
        y = torch.where(at_floor, 0.0, torch.where(at_ceil, height, y))
        vy = torch.where(at_floor | at_ceil, -restitution * vy, vy)
        vy = torch.where(at_floor & (vy < rest_speed), 0.0, vy)  # too slow to bounce: it lies down
    if (remaining > 0).any():
        raise RuntimeError(f"more than {MAX_EVENTS} bounces in one frame of {dt} s: use a smaller dt "
                           f"or a larger rest_speed (now {rest_speed} m/s)")
    # Rounding can leave a ball a hair outside the box; the walls are exact.
    x, y = x.clamp(0.0, width), y.clamp(0.0, height)
    return torch.stack([x, y], -1), torch.stack([vx, vy], -1)  # (N, 2), (N, 2)


def rollout(position: torch.Tensor, velocity: torch.Tensor, num_steps: int, dt: float = DT,
            **physics) -> tuple[torch.Tensor, torch.Tensor]:
    """Frames of balls starting from given states: (N, 2), (N, 2) -> positions, velocities (N, T, 2).

    Frame 0 is the starting state itself; ``physics`` are ``step``'s keyword arguments.
    """
    position, velocity = torch.as_tensor(position, dtype=torch.float64), torch.as_tensor(
        velocity, dtype=torch.float64)
    positions, velocities = [position], [velocity]
    for _ in range(num_steps - 1):
        position, velocity = step(position, velocity, dt, **physics)
        positions.append(position)
        velocities.append(velocity)
    return torch.stack(positions, 1), torch.stack(velocities, 1)  # (N, T, 2) each


def random_states(num_balls: int, generator: torch.Generator | None = None,
                  box: tuple[float, float] = BOX, max_speed: float = 2.0
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Random starting states: positions uniform in the box's central part (10-90% of its width,
    20-80% of its height), each velocity component uniform in ``[-max_speed, max_speed]`` m/s.

    Returns ``position, velocity``, each (N, 2), float64.
    """
    width, height = box
    u = torch.rand(num_balls, 4, generator=generator, dtype=torch.float64)  # (N, 4)
    position = torch.stack([(0.1 + 0.8 * u[:, 0]) * width, (0.2 + 0.6 * u[:, 1]) * height], -1)
    velocity = (2 * u[:, 2:] - 1) * max_speed  # (N, 2)
    return position, velocity


def simulate_many(num_trajectories: int, num_steps: int, dt: float = DT,
                  generator: torch.Generator | None = None, **physics) -> torch.Tensor:
    """Positions of ``num_trajectories`` balls from random starts: (N, T, 2), float32.

    The same ``generator`` seed gives the same trajectories.
    """
    position, velocity = random_states(num_trajectories, generator, box=physics.get("box", BOX))
    positions, _ = rollout(position, velocity, num_steps, dt, **physics)
    return positions.float()  # (N, T, 2)


def simulate(num_steps: int, dt: float = DT, generator: torch.Generator | None = None,
             **physics) -> torch.Tensor:
    """One ball from a random start: positions (T, 2), x across and y up, in metres."""
    return simulate_many(1, num_steps, dt, generator, **physics)[0]


def next_position_pairs(trajectories: torch.Tensor, history: int, first: int | None = None
                        ) -> tuple[torch.Tensor, torch.Tensor]:
    """(last ``history`` frames, next position) pairs from every frame of every trajectory.

    ``trajectories`` (N, T, 2). For each current frame ``t`` from ``first`` (default
    ``history - 1``, the first frame with enough past) to ``T - 2``, the input is frames
    ``t - history + 1 .. t`` and the target frame ``t + 1``. Passing the same ``first`` to
    several histories gives them the same targets, so their errors can be compared.

    Returns ``X`` (M, history, 2), oldest frame first, and ``Y`` (M, 2), with M = N (T - 1 - first).

    >>> X, Y = next_position_pairs(torch.arange(10.).reshape(1, 5, 2), history=2)
    >>> X[0].tolist(), Y[0].tolist()
    ([[0.0, 1.0], [2.0, 3.0]], [4.0, 5.0])
    """
    if trajectories.dim() != 3 or trajectories.shape[-1] != 2:
        raise ValueError(f"trajectories must be (N, T, 2), got {tuple(trajectories.shape)}")
    num_steps = trajectories.shape[1]
    first = history - 1 if first is None else first
    if history < 1 or first < history - 1 or first > num_steps - 2:
        raise ValueError(f"need 1 <= history <= first + 1 and first <= T - 2 = {num_steps - 2}; got "
                         f"history={history}, first={first}")
    current = torch.arange(first, num_steps - 1)  # (M_t,) index of the current frame
    frames = current[:, None] + torch.arange(1 - history, 1)  # (M_t, history)
    X = trajectories[:, frames]  # (N, M_t, history, 2)
    Y = trajectories[:, current + 1]  # (N, M_t, 2)
    return X.reshape(-1, history, 2), Y.reshape(-1, 2)
