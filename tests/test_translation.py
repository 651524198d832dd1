"""translation: French tokenisation round trip, the split by English sentence, the floors, translate."""

import pytest

from course_utils import text, translation

PAIRS = [("Go.", "Va !"), ("Go.", "Marche."), ("Go.", "Bouge !"), ("Hi.", "Salut !"),
         ("Hi.", "Salut."), ("Run!", "Cours\u202f!"), ("I won!", "J'ai gagné !"),
         ("I won!", "Je l\u2019ai emporté !"), ("Be calm.", "Sois calme !"),
         ("I am calm.", "Je suis calme."), ("This sentence is far too long to keep.", "Non.")]


def test_french_round_trip():
    sentence = "J'ai été là, garçon !"
    tokens = text.tokenize(sentence, "word", lower=False)
    assert tokens == ["J'", "ai", "été", "là", ",", "garçon", "!"]
    assert text.detokenize(tokens, lang="fr") == sentence
    assert text.detokenize(text.tokenize("Cours\u202f!", "word", lower=False), "fr") == "Cours !"


def test_prepare_pairs_filters_by_length_and_normalises():
    examples = translation.prepare_pairs(PAIRS, max_src_tokens=4, max_tgt_tokens=6)
    assert len(examples) == len(PAIRS) - 1
    assert examples[5].src == ("run", "!") and examples[5].french == "Cours !"
    assert examples[7].tgt == ("je", "l'", "ai", "emporté", "!")


def test_split_keeps_every_translation_of_a_test_sentence_together():
    examples = translation.prepare_pairs(PAIRS, 4, 6)
    for seed in range(5):
        train, test = translation.split_by_source(examples, test_size=3, seed=seed)
        translation.check_disjoint(train, test)
        assert len(test) == 3 and len({item.src for item in test}) == 3
        refs = sum(len(item.references) for item in test)
        assert len(train) + refs == len(examples)  # nothing lost, nothing duplicated
        for item in test:
            assert len(item.references) == sum(ex.src == item.src for ex in examples)
    go = next(item for seed in range(20) for item in translation.split_by_source(examples, 3, seed)[1]
              if item.src == ("go", "."))
    assert set(go.references) == {"Va !", "Marche.", "Bouge !"}


NEAR = [("We're out of danger.", "Nous sommes hors de danger."),
        ("We are out of danger!", "Nous voilà hors de danger !"),
        ("we are out of danger", "Nous sommes hors de danger."),
        ("I can't swim.", "Je ne sais pas nager."), ("I cannot swim.", "Je ne peux pas nager."),
        ("Let's go.", "Allons-y."), ("Let us go!", "Allons-y !")]


def test_source_key_joins_near_duplicates():
    keys = [translation.source_key(ex.src) for ex in translation.prepare_pairs(NEAR, 8, 10)]
    assert keys[0] == keys[1] == keys[2] == ("we", "are", "out", "of", "danger")
    assert keys[3] == keys[4] == ("i", "can", "not", "swim")
    assert keys[5] == keys[6] == ("let", "us", "go")
    assert translation.source_key(("tom", "'s", "here", ".")) == ("tom", "is", "here")
    assert translation.source_key(("i", "do", "n't", "know", "!")) == ("i", "do", "not", "know")


def test_near_duplicates_fall_on_one_side_of_a_three_way_split():
    examples = translation.prepare_pairs(PAIRS + NEAR, 8, 10)
    num_keys = len({translation.source_key(ex.src) for ex in examples})
    for seed in range(10):
        train, dev, test = translation.split_train_dev_test(examples, dev_size=2, test_size=3, seed=seed)
        translation.check_disjoint(train, dev, test)
        assert len(dev) == 2 and len(test) == 3 and num_keys == 9
        train_keys = {translation.source_key(ex.src) for ex in train}
        assert len(train_keys) == num_keys - 5
        for item in dev + test:  # one item per key, scored against every form's translations
            group = [ex for ex in examples if translation.source_key(ex.src) == translation.source_key(item.src)]
            assert set(item.references) == {ex.french for ex in group}
            assert len(item.references) == len(set(item.references)) == len(item.targets)
        danger = [item for item in dev + test if "danger" in item.src]
        if danger:
            assert danger[0].src == ("we", "'re", "out", "of", "danger", ".")  # the sorted-first form
            assert danger[0].references == ("Nous sommes hors de danger.", "Nous voilà hors de danger !")
    again = translation.split_train_dev_test(examples, 2, 3, seed=4)
    assert again == translation.split_train_dev_test(examples, 2, 3, seed=4)  # reproducible


def test_check_disjoint_catches_a_near_duplicate_across_splits():
    examples = translation.prepare_pairs(NEAR, 8, 10)
    train, dev, test = translation.split_train_dev_test(examples, 1, 1, seed=0)
    twin = translation.Example(dev[0].src + ("!",), ("x",), "x")  # differs only in punctuation
    with pytest.raises(AssertionError, match="in two splits"):
        translation.check_disjoint(train + [twin], dev, test)
    with pytest.raises(AssertionError, match="in two splits"):
        translation.check_disjoint(train, dev, dev)


def test_unseen_target_items():
    examples = translation.prepare_pairs(PAIRS, 4, 6)
    train = [ex for ex in examples if ex.src != ("i", "am", "calm", ".")]
    items = [translation.TestItem(("i", "'m", "calm", "."), ("Je suis calme.",), (("je", "suis", "calme", "."),)),
             translation.TestItem(("hello", "."), ("Bonjour.",), (("bonjour", "."),))]
    assert translation.unseen_target_items(train, items) == [0, 1]
    assert translation.unseen_target_items(examples, items) == [1]  # "je suis calme ." trains


def test_check_disjoint_catches_a_leak():
    examples = translation.prepare_pairs(PAIRS, 4, 6)
    train, test = translation.split_by_source(examples, 2, seed=0)
    with pytest.raises(AssertionError, match="in two splits"):
        translation.check_disjoint(train + [examples[[e.src for e in examples].index(test[0].src)]], test)
    with pytest.raises(ValueError, match="nothing to train on"):
        translation.split_by_source(examples, 100)


def test_word_by_word_floor_and_constant_floor():
    examples = translation.prepare_pairs(PAIRS, 4, 6)
    table = translation.word_by_word_table(examples)
    assert table["calm"] == "calme" and table["."] == "."
    assert translation.word_by_word(("calm", "zebra"), table) == ["calme", "zebra"]
    assert translation.most_common_translation(examples) in {ex.tgt for ex in examples}
    bins = translation.source_length_bins(translation.split_by_source(examples, 4, 0)[1])
    assert sum(len(v) for v in bins.values()) == 4 and list(bins) == sorted(bins)


class DictionaryModel:
    """A hand-built translator with the decoding interface: output word t is the French word for
    English word t, then <eos>. ``lookup[english id]`` is the French id; <unk> maps to <unk>."""

    def __init__(self, lookup, eos):
        import torch

        self.lookup, self.eos, self.torch = torch.tensor(lookup), eos, torch
        self.vocab_size = len(lookup)

    def parameters(self):
        yield self.torch.zeros(1)

    def encode(self, src, lengths):
        return (src, lengths), self.torch.zeros(len(src), dtype=self.torch.long)  # state: position

    def step(self, tokens, state, memory):
        src, lengths = memory  # (B, S), (B,)
        padded = self.torch.cat([src, src.new_zeros(len(src), 1)], 1)  # (B, S + 1)
        word = padded.gather(1, state.clamp(max=src.shape[1])[:, None])[:, 0]  # (B,)
        target = self.torch.where(state < lengths, self.lookup[word], self.eos)  # (B,)
        logits = self.torch.nn.functional.one_hot(target, self.vocab_size).float() * 10  # (B, V)
        return logits, state + 1, None


ENGLISH = ["i", "am", "calm", "tired", "."]
FRENCH = ["je", "suis", "calme", "fatigué", "."]


def _dictionary_setup():
    src_vocab = text.Vocab(ENGLISH, reserved=text.SPECIALS)
    tgt_vocab = text.Vocab(FRENCH, reserved=text.SPECIALS)
    lookup = [tgt_vocab.token_to_idx.get(FRENCH[ENGLISH.index(w)], tgt_vocab.unk)
              if w in ENGLISH else tgt_vocab.unk for w in src_vocab.idx_to_token]
    return DictionaryModel(lookup, tgt_vocab.eos), src_vocab, tgt_vocab


def test_translate_returns_the_known_answer_greedy_and_beam():
    model, src_vocab, tgt_vocab = _dictionary_setup()
    sources = [("i", "am", "calm", "."), ("i", "am", "tired", "."), ("calm", ".")]
    expected = [["je", "suis", "calme", "."], ["je", "suis", "fatigué", "."], ["calme", "."]]
    for beam_size in (None, 1, 3):
        for batch_size in (1, 2, 250):  # chunks of padded sentences give what each gives alone
            outputs, maps = translation.translate(model, sources, src_vocab, tgt_vocab, max_len=8,
                                                  beam_size=beam_size, batch_size=batch_size)
            assert outputs == expected, (beam_size, batch_size)
            assert maps == [None] * 3  # a model without attention has no weights to show


def test_translate_never_writes_unk_and_stops_at_max_len():
    model, src_vocab, tgt_vocab = _dictionary_setup()
    (out,), _ = translation.translate(model, [("i", "zebra", ".")], src_vocab, tgt_vocab, max_len=8)
    assert out[0] == "je" and "<unk>" not in out  # the model wants <unk> for "zebra": forbidden
    (cut,), _ = translation.translate(model, [("i", "am", "calm", ".")], src_vocab, tgt_vocab, max_len=2)
    assert cut == ["je", "suis"]
    for beam_size in (None, 2):
        outs, _ = translation.translate(model, [("zebra",)], src_vocab, tgt_vocab, 4, beam_size=beam_size)
        assert not {"<unk>", "<pad>", "<bos>", "<eos>"} & set(outs[0])
        allowed, _ = translation.translate(model, [("i", "zebra")], src_vocab, tgt_vocab, 4,
                                           beam_size=beam_size, forbid_unk=False)
        assert allowed == [["je", "<unk>"]]


def test_translate_with_a_trained_shape_model_matches_greedy_decode():
    import torch

    from course_utils import seq2seq

    torch.manual_seed(0)
    src_vocab = text.Vocab(ENGLISH, reserved=text.SPECIALS)
    tgt_vocab = text.Vocab(FRENCH, reserved=text.SPECIALS)
    model = seq2seq.Seq2Seq(len(src_vocab), len(tgt_vocab), embed_size=6, hidden_size=8,
                            attention="dot").eval()
    sources = [("i", "am", "calm", "."), ("tired",), ("i", "zebra")]
    outputs, maps = translation.translate(model, sources, src_vocab, tgt_vocab, max_len=6)
    for source, out, weights in zip(sources, outputs, maps):
        ids = torch.tensor([src_vocab.encode(source)])
        (expected,), _ = seq2seq.greedy_decode(model, ids, torch.tensor([len(source)]), tgt_vocab.bos,
                                               tgt_vocab.eos, 6, forbid=(0, 1, 2))
        assert out == tgt_vocab.decode(expected)
        assert weights.shape == (min(len(out) + 1, 6), len(source))  # a row per step, <eos> included
    beams, _ = translation.translate(model, sources, src_vocab, tgt_vocab, max_len=6, beam_size=1)
    assert beams == outputs
