"""Tests for course_utils.music_audio: MIDI, audio and piano roll of a tune."""

import numpy as np

from course_utils import music_audio
from test_music_corpus import TUNE  # a real tune, normalised


def test_midi_audio_and_piano_roll():
    midi = music_audio.to_midi(TUNE)
    assert midi[:4] == b"MThd"
    audio = music_audio.synthesize(TUNE, fs=8000)
    assert audio.ndim == 1 and np.isfinite(audio).all() and np.abs(audio).max() <= 1.0 + 1e-6
    assert 40 * 8000 < len(audio) < 56 * 8000  # 32 bars of 6/8 (repeats played) at 120 crotchets a minute
    roll = music_audio.piano_roll(TUNE, fs=10)
    pitches = np.nonzero(roll.sum(axis=1))[0]
    assert roll.shape[0] == 128 and pitches.min() == 67 and pitches.max() == 79  # G4 .. g5


def test_midi_of_a_tune_that_reuses_a_time_signature():
    # music21 puts one TimeSignature object in two measures here; the writer must still work
    tune = ("X:1\nT:I Could But I Wont\nM:2/4\nL:1/8\nK:G\nD/ | G-<E F>D | G-<B3 d>d | "
            "ed/2c/2 BG | A>G E/2z/2D/2 |\nG-<E FD | G-<B dd | (ed/2c/2) BG | A>G G ||")
    assert music_audio.to_midi(tune)[:4] == b"MThd"
