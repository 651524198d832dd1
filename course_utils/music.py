"""Folk tunes in ABC notation: reading, normalising, sampling, checking, hearing.

    tunes, dropped = load_tunes()                 # normalised tunes from music21's ABC corpus, and why others went
    train, valid = split_tunes(tunes)             # by tune, never by character
    stream = tunes_to_tokens(train)               # characters, END between tunes
    texts, ended = sample_tunes(lm, vocab, 50, temperature=0.8)   # 50 tunes in one batch
    check = check_tune(texts[0])                  # strict: headers, a clean parse, >= 8 notes, a well-formed body
    checks = check_tunes(real_tunes)              # verdicts of fixed tunes, cached by their content
    floor = CharNgram(ids, len(vocab), order=2)   # a bigram floor, sampled with sample_after_headers
    audio = synthesize(texts[0])                  # music21 -> MIDI -> pretty_midi's sine synth
    loss_fn = CarriedStateLoss()                  # truncated BPTT for training.fit, the state carried
    temperature = choose_temperature(by_temperature(dev_runs(recipe)))   # from scripts/music_dev.py's runs

Copies of training tunes are found with ``text.CopyIndex`` over the tunes' bodies (``body``).

This module gathers the public names of five modules, one job each, so that ``music.NAME``
reaches all of them:

- ``music_corpus``: the collections, ABC text (normalising, header and body), splits, tokens
- ``music_checks``: music21's parse, structure problems, strict and lenient verdicts, time keeping
- ``music_sampling``: sampling tunes from a model, contexts to read first, the n-gram floors
- ``music_audio``: MIDI, audio and piano roll
- ``music_training``: truncated BPTT's carried state, and the dev runs that choose the temperature
"""

from .music_audio import piano_roll, synthesize, to_midi, to_pretty_midi
from .music_checks import (
    IN_TIME,
    MIN_NOTES,
    REQUIRED_HEADERS,
    Scores,
    TuneCheck,
    check_tune,
    check_tunes,
    missing_headers,
    parse_abc,
    score,
    structure_problems,
)
from .music_corpus import (
    COLLECTIONS,
    END,
    HEADER_ORDER,
    MAX_BODY,
    MIN_BODY,
    TuneError,
    body,
    corpus_dir,
    header_text,
    load_tunes,
    normalize_tune,
    raw_tunes,
    split_tune,
    split_tunes,
    tunes_to_tokens,
)
from .music_sampling import CharNgram, sample_after_headers, sample_tunes, tune_tails
from .music_training import (
    DEV_METRICS,
    DEV_RUNS,
    CarriedStateLoss,
    by_temperature,
    choose_temperature,
    dev_runs,
    load_dev_runs,
)

__all__ = [
    # music_corpus
    "COLLECTIONS", "END", "HEADER_ORDER", "MAX_BODY", "MIN_BODY", "TuneError", "body", "corpus_dir",
    "header_text", "load_tunes", "normalize_tune", "raw_tunes", "split_tune", "split_tunes", "tunes_to_tokens",
    # music_checks
    "IN_TIME", "MIN_NOTES", "REQUIRED_HEADERS", "Scores", "TuneCheck", "check_tune", "check_tunes",
    "missing_headers", "parse_abc", "score", "structure_problems",
    # music_sampling
    "CharNgram", "sample_after_headers", "sample_tunes", "tune_tails",
    # music_audio
    "piano_roll", "synthesize", "to_midi", "to_pretty_midi",
    # music_training
    "DEV_METRICS", "DEV_RUNS", "CarriedStateLoss", "by_temperature", "choose_temperature",
    "dev_runs", "load_dev_runs",
]
