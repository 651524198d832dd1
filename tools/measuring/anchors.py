"""What others report on the course's data, for RESULTS.md to set beside the course's numbers.

Each anchor names the notebook it belongs beside, the number as its source gives it, the source,
and what differs (split, budget, hardware, recipe), so that nobody reads two numbers as a race that
was never run. Where a well-known course reports no number, the anchor says so rather than
inventing one (``value`` is ``None``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    """One published number (or the statement that there is none) on the data a notebook uses."""

    notebook: str  # stem prefix, e.g. "03"
    what: str  # the metric, worded as the source words it
    value: float | None
    unit: str
    source: str  # where it is written: book section, README, paper table
    url: str
    comparable: str  # split, budget, hardware, recipe: what makes it comparable or not


ANCHORS = (
    Anchor("03", "validation perplexity, character RNN, The Time Machine", 7.2, "",
           "Dive into Deep Learning, section 9.5 (end of the plotted curve, read off, about)",
           "https://d2l.ai/chapter_recurrent-neural-networks/rnn-scratch.html",
           "same split (train characters 0-9,999, validate 10,000-14,999, 32-step windows); "
           "d2l trains 100 epochs (one-hot, 32 hidden units, SGD); the course's recipe differs"),
    Anchor("03", "validation loss, character model, Tiny Shakespeare", 1.4697, "nats/char",
           "nanoGPT README, 'baby GPT' on shakespeare_char",
           "https://github.com/karpathy/nanoGPT#quick-start",
           "same 90/10 split of the same file; a 6-layer Transformer of 10.7M parameters, "
           "about 3 minutes on one A100 GPU; the course trains a small RNN on a laptop CPU"),
    Anchor("06", "validation perplexity, LSTM, The Time Machine", 6.7, "",
           "Dive into Deep Learning, section 10.1 (end of the plotted curve, about)",
           "https://d2l.ai/chapter_recurrent-modern/lstm.html",
           "same split as d2l's section 9.5; d2l's recipe (50 epochs at learning rate 4, on a GPU); ours differs"),
    Anchor("06", "validation perplexity, GRU, The Time Machine", 6.6, "",
           "Dive into Deep Learning, section 10.2 (end of the plotted curve, about)",
           "https://d2l.ai/chapter_recurrent-modern/gru.html",
           "same split as d2l's section 9.5; d2l's recipe (50 epochs at learning rate 4, on a GPU); ours differs"),
    Anchor("07", "share of generated tunes that are valid", None, "%",
           "MIT 6.S191 Lab 1, part 2 (music generation with RNNs)",
           "https://github.com/MITDeepLearning/introtodeeplearning",
           "reports no rate: a sample counts as a song when a tune can be cut out of it and "
           "converted to audio; its data are its own Irish folk tunes, not music21's corpus"),
    Anchor("08", "accuracy, LSTM, SST binary", 84.9, "%",
           "Tai, Socher and Manning, ACL 2015, Table 2",
           "https://arxiv.org/abs/1503.00075",
           "SST's test split (1,821 sentences), not GLUE dev; 300-d GloVe vectors, tuned; "
           "trained on every phrase of the treebank"),
    Anchor("08", "accuracy, bidirectional LSTM, SST binary", 87.5, "%",
           "Tai, Socher and Manning, ACL 2015, Table 2",
           "https://arxiv.org/abs/1503.00075",
           "as above: SST test split, pretrained GloVe vectors"),
    Anchor("08", "accuracy, 2-layer LSTM, SST binary", 86.3, "%",
           "Tai, Socher and Manning, ACL 2015, Table 2",
           "https://arxiv.org/abs/1503.00075",
           "as above: SST test split, pretrained GloVe vectors"),
    Anchor("09", "corpus BLEU, English-French (Tatoeba)", None, "",
           "Dive into Deep Learning, section 10.7 (sequence-to-sequence learning)",
           "https://d2l.ai/chapter_recurrent-modern/seq2seq.html",
           "same Tatoeba file; reports BLEU for four example sentences only, no corpus BLEU"),
    Anchor("09", "corpus BLEU, French-English", None, "",
           "PyTorch tutorial 'NLP From Scratch: Translation with a Sequence to Sequence "
           "Network and Attention'",
           "https://pytorch.org/tutorials/intermediate/seq2seq_translation_tutorial.html",
           "reports no BLEU; trains on pairs filtered to short 'i am', 'he is', ... sentences"),
)


def for_notebook(stem: str) -> list[Anchor]:
    """The anchors that belong beside notebook ``stem`` (e.g. ``"06_gru"``)."""
    return [a for a in ANCHORS if stem.startswith(a.notebook)]
