"""Helpers for the course *Sequence modeling with recurrent neural networks*.

Modules by role:

- ``config``: one ``setup()`` call per notebook (seed, device, threads, size mode, data folder)
- ``data``: the dataset registry, verified downloads, loaders
- ``text``: tokenisation, vocabulary, language-model batching
- ``cells``: RNN, LSTM and GRU cells from the lecture's equations, and the loop that unrolls them
- ``models``: recurrent layer (from scratch or PyTorch's), language model, classifier, sampling
- ``tasks``: synthetic memory tasks (first-symbol recall, the adding problem)
- ``experiments``: training recipes on those tasks (memory models, gap sweeps, the pronoun task)
- ``gradients``: gradient norms through time
- ``bptt``: backpropagation through time written out by hand for the vanilla RNN (notebook 04)
- ``ball``: the bouncing-ball simulation of notebook 00
- ``music``: folk tunes in ABC from music21's corpus, every name of the four modules below:
  ``music_corpus`` (the collections, normalising, splits, tokens), ``music_checks`` (music21's parse,
  structure problems, strict checks, time keeping), ``music_sampling`` (sampling after a context, n-gram
  floors), ``music_audio`` (MIDI, audio, piano roll)
- ``baselines``: fixed windows, bags of words and the probes of notebooks 01-02
- ``sentiment``: sentence classification: bucketed batches, sparse-embedding training, probabilities,
  occlusion (notebook 08)
- ``checks``: the checks students run after each exercise
- ``claims``: ``claim()``, a lecture claim stated as its sentence, checked by the run, with its margin
- ``seq2seq``: encoder-decoder with dot-product or additive attention, masked loss, batches; it also
  reaches the names of ``attention`` (the attention layers, masks) and ``decoding`` (greedy decoding,
  beam search, the log-probability of an output)
- ``translation``: English-French pairs split by English sentence, word-by-word and constant floors
- ``training``: ``fit`` with a progress bar, clipping, evaluation and a returned ``History``
- ``metrics`` and ``plotting``: numbers and figures, returned rather than printed
- ``costs``: the work of a training step counted; a dry run at full scale and its T4 estimate
- ``backward``: backward passes by hand (RNN and LSTM steps, through time, softmax with
  cross-entropy): the references the assignments' checks and grader use for what is not being marked
- ``deep``: the task only a bidirectional model solves, and its causal floor (notebook 06)
- ``beam_toy``: a hand-made table of next-token probabilities run as a decoder (notebook 09)
- ``bptt_graph``, ``cell_diagrams``, ``gru_diagram``: drawn figures: BPTT's computation graph,
  the LSTM one path at a time, the GRU
- ``style``: one look for every figure, a colour per model, applied by ``config.setup``

The instructor and maintainer tools (student versions, grading, Colab cells, benchmarks) are not
part of this package: they live in ``tools/`` of the course's repository and run from a checkout.
"""

__version__ = "0.2.0"

REPOSITORY = "rnn-course/sequence-models"
"""GitHub ``owner/name`` of the course: the notebooks' Colab badges and Colab set-up point here."""

RELEASE = f"v{__version__}"
"""The git tag that Colab badges open and Colab install cells install (``python -m
tools.publishing.colab`` in a checkout)."""
