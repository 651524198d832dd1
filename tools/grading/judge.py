"""Judge a question outside the kernel: data in, data out, the reference computed here.

For each autograded question (``tools.grading.specs``) the grader draws the inputs with a seed the
submission never sees, sends them into the kernel as data (an ``.npz`` archive, base64 in the
code of one cell), has the kernel call the student's function on them and hand back its outputs
as data (an ``.npz`` archive, base64, as the value of a ``user_expressions`` entry of the
execute reply). Here, in the grader's process, the archive is read with ``allow_pickle=False``
and validated strictly (size, names, dtype, shape, finite values); the reference is computed with
the course's tested implementations and compared. Nothing else the kernel says decides a mark:
a missing, malformed, oversized or non-numeric output scores 0 for its question, with a reason.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import secrets
import textwrap
import zipfile
from dataclasses import dataclass

import numpy as np
import torch

from tools.grading.specs import Spec

MAX_REPLY = 8 * 1024 * 1024  # characters of one base64 value read from the kernel
SLACK = 4096  # bytes allowed per array beyond its float64 data (the .npy header)
EXPRESSIONS = {"npz": "__grader_npz", "errors": "__grader_errors"}
BASE64 = re.compile(r"'([A-Za-z0-9+/=]*)'")

# Runs in the kernel (untrusted: whatever it does only changes the data handed back).
DRIVER = '''\
def __grader_judge(payload, call, limit):
    import base64, io, json
    import numpy as np
    import torch
    archive = np.load(io.BytesIO(base64.b64decode(payload)), allow_pickle=False)
    cases = {}
    for key in archive.files:
        case, name = key.split("/", 1)
        cases.setdefault(int(case), {})[name] = torch.from_numpy(archive[key].copy())
    out, errors = {}, {}
    for case in sorted(cases):
        try:
            found = call(cases[case])
            for name, value in dict(found).items():
                if isinstance(value, torch.Tensor):
                    value = value.detach().cpu().numpy()
                value = np.asarray(value)
                if value.size > limit:
                    raise ValueError(f"output {name!r} has {value.size} entries")
                out[f"{case}/{name}"] = value
        except Exception as error:
            errors[str(case)] = f"{type(error).__name__}: {error}"[:200]
    buffer = io.BytesIO()
    np.savez(buffer, **out)
    return (base64.b64encode(buffer.getvalue()).decode("ascii"),
            base64.b64encode(json.dumps(errors).encode()).decode("ascii"))
'''


class BadOutput(ValueError):
    """What the kernel handed back cannot be judged (the question scores 0)."""


@dataclass
class Task:
    """One question of one submission: its inputs, its references and the cell that runs it."""

    spec: Spec
    cases: list[dict]
    expected: list[dict]
    code: str

    @property
    def expressions(self) -> dict[str, str]:
        return dict(EXPRESSIONS)

    def decide(self, user_expressions) -> tuple[bool, str]:
        """``(True, "")`` when every output matches its reference, else ``(False, why)``."""
        try:
            outputs = read_outputs(user_expressions, self.expected)
        except BadOutput as error:
            return False, str(error)[:200]
        for index, (case, got, want) in enumerate(zip(self.cases, outputs, self.expected)):
            if self.spec.view is not None:
                try:
                    got, want = self.spec.view(case, got), self.spec.view(case, want)
                except Exception as error:  # noqa: BLE001 - the student's arrays broke the view
                    return False, f"case {index}: {type(error).__name__}"
            for name, value in want.items():
                error = rel_error(got[name], value)
                if not error <= self.spec.rtol:
                    return False, f"case {index}: {name} relative error {error:.1e} > {self.spec.rtol:.0e}"
        return True, ""


def task(spec: Spec, seed: int | None = None) -> Task:
    """The inputs, references and kernel code of ``spec`` for one submission (secret seed by default)."""
    seed = secrets.randbits(63) if seed is None else seed
    gen = torch.Generator().manual_seed(seed)
    cases = spec.cases(gen)
    expected = [{k: _numpy(v) for k, v in spec.reference(case).items()} for case in cases]
    limit = max(a.size for e in expected for a in e.values()) * 4 + 16
    payload = pack({f"{i}/{k}": _numpy(v) for i, case in enumerate(cases) for k, v in case.items()})
    code = (DRIVER + "\n\ndef __grader_call(inputs):\n    import torch\n"
            + textwrap.indent(spec.call, "    ") + "\n\n\n"
            + f"__grader_npz, __grader_errors = __grader_judge({payload!r}, __grader_call, {limit})\n")
    return Task(spec, [{k: _numpy(v) for k, v in c.items()} for c in cases], expected, code)


def pack(arrays: dict[str, np.ndarray]) -> str:
    """Named arrays as base64 text of an ``.npz`` archive (no pickles)."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _numpy(value) -> np.ndarray:
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def _text(user_expressions, key: str) -> bytes:
    """The bytes behind one ``user_expressions`` entry: a quoted base64 string, nothing else."""
    if not isinstance(user_expressions, dict):
        raise BadOutput("the kernel handed back no outputs")
    entry = user_expressions.get(key)
    data = entry.get("data") if isinstance(entry, dict) else None
    text = data.get("text/plain") if isinstance(data, dict) else None
    if not isinstance(text, str):
        ename = entry.get("ename") if isinstance(entry, dict) else None
        raise BadOutput(f"no outputs came back ({str(ename)[:60]})" if ename else "no outputs came back")
    if len(text) > MAX_REPLY:
        raise BadOutput(f"the outputs are larger than {MAX_REPLY} bytes")
    match = BASE64.fullmatch(text)
    if match is None:
        raise BadOutput("the outputs are not an archive")
    try:
        return base64.b64decode(match.group(1), validate=True)
    except (binascii.Error, ValueError) as error:
        raise BadOutput("the outputs are not an archive") from error


def errors_of(user_expressions) -> dict:
    """The exceptions the kernel reported per case (for the reason only; never for a mark)."""
    try:
        found = json.loads(_text(user_expressions, "errors").decode("utf-8"))
    except (BadOutput, ValueError, UnicodeDecodeError, RecursionError):
        return {}
    return {str(k)[:10]: str(v)[:200] for k, v in found.items()} if isinstance(found, dict) else {}


def read_outputs(user_expressions, expected: list[dict]) -> list[dict]:
    """The student's outputs per case, validated against the references' names and shapes."""
    raw = _text(user_expressions, "npz")
    wanted = {f"{i}/{k}.npy": (i, k, v) for i, e in enumerate(expected) for k, v in e.items()}
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise BadOutput("the outputs are not an .npz archive") from error
    if len(members) > len(wanted):
        raise BadOutput(f"{len(members)} arrays came back, expected at most {len(wanted)}")
    outputs: list[dict] = [{} for _ in expected]
    for info in members:
        if info.filename not in wanted:
            raise BadOutput(f"an unexpected output {info.filename[:40]!r}")
        index, name, want = wanted[info.filename]
        outputs[index][name] = _array(archive, info, want, f"case {index}: {name}")
    missing = [key[:-4] for key, (i, k, _) in wanted.items() if k not in outputs[i]]
    if missing:
        reported = errors_of(user_expressions)
        first = missing[0].split("/")[0]
        why = reported.get(first, "not returned")
        raise BadOutput(f"case {first}: no {missing[0].split('/', 1)[1]!r} ({why})")
    return outputs


def _array(archive: zipfile.ZipFile, info: zipfile.ZipInfo, want: np.ndarray, label: str) -> np.ndarray:
    """One validated array: a plain .npy of floats with the reference's shape, all finite."""
    cap = want.size * 8 + SLACK
    if info.file_size > cap:
        raise BadOutput(f"{label} is too large ({info.file_size} bytes)")
    try:
        with archive.open(info) as f:
            data = f.read(cap + 1)
        if len(data) > cap:
            raise BadOutput(f"{label} is too large")
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except BadOutput:
        raise
    except Exception as error:  # noqa: BLE001 - malformed, pickled or truncated: not an array
        raise BadOutput(f"{label} is not a plain array ({type(error).__name__})") from error
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f" or array.dtype.itemsize > 8:
        raise BadOutput(f"{label} is not an array of floats ({getattr(array, 'dtype', type(array).__name__)})")
    if array.shape != want.shape:
        raise BadOutput(f"{label} has shape {array.shape[:8]}, expected {want.shape}")
    if not np.isfinite(array).all():
        raise BadOutput(f"{label} holds NaN or infinity")
    return array.astype(np.float64)


def rel_error(got, expected) -> float:
    """Largest ``|got - expected|`` over the largest ``|expected|`` (as ``course_utils.checks``)."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if expected.size == 0:
        return 0.0
    scale, diff = float(np.abs(expected).max()), float(np.abs(got - expected).max())
    return diff / scale if scale > 0 else diff
