"""Hearing tunes: music21 writes a tune's MIDI, ``pretty_midi`` plays it with sine waves (no system packages).

    midi = to_midi(tune)                  # a standard MIDI file (bytes)
    audio = synthesize(tune, fs=16000)    # a waveform (num_samples,) in [-1, 1]
    roll = piano_roll(tune, fs=20)        # (128 MIDI pitches, frames), velocities as values
"""

from __future__ import annotations

import contextlib
import copy
import io
import warnings

import numpy as np

from .music_checks import parse_abc


def _unshare(score) -> None:
    """Give each measure its own time and key signature objects.

    music21's ABC reader sometimes puts one ``TimeSignature`` object in two measures, and its
    MIDI writer then fails ("the object ... is already found in this Stream").
    """
    from music21 import key, meter, stream
    seen = set()
    for measure in score.recurse().getElementsByClass(stream.Measure):
        for element in list(measure.getElementsByClass((meter.TimeSignature, key.KeySignature))):
            if id(element) in seen:
                measure.replace(element, copy.deepcopy(element))
            seen.add(id(element))


def _midi_from_score(score) -> bytes:
    from music21.midi import translate
    _unshare(score)
    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return translate.streamToMidiFile(score).writestr()


def to_midi(tune: str) -> bytes:
    """The tune as a standard MIDI file (bytes), written by music21."""
    score, _ = parse_abc(tune)
    return _midi_from_score(score)


def to_pretty_midi(tune: str):
    """The tune as a ``pretty_midi.PrettyMIDI`` object: one parse gives both its audio and its piano roll.

    ``pm.synthesize(fs)`` is its sound (sine waves), ``pm.get_piano_roll(fs)`` its notes (128, frames).
    """
    import pretty_midi
    return pretty_midi.PrettyMIDI(io.BytesIO(to_midi(tune)))


def synthesize(tune: str, fs: int = 16000) -> np.ndarray:
    """Audio of the tune: MIDI from music21, sine waves from ``pretty_midi`` (no system packages).

    Returns a float waveform (num_samples,) in [-1, 1] at ``fs`` samples per second, ready for
    ``IPython.display.Audio(audio, rate=fs)``.
    """
    audio = to_pretty_midi(tune).synthesize(fs=fs)  # (num_samples,), normalised to peak 1
    if audio.size == 0:
        raise ValueError("the tune has no notes to play: check it with check_tune first")
    return audio


def piano_roll(tune: str, fs: int = 20) -> np.ndarray:
    """The tune as a piano roll (128 MIDI pitches, time frames of ``1 / fs`` s), velocities as values."""
    return to_pretty_midi(tune).get_piano_roll(fs=fs)  # (128, frames)
