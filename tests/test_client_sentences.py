from trainer.client.sentences import SentenceSplitter, split_sentences


def tokens(text: str, size: int = 3) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def test_splits_at_sentence_ends_and_keeps_abbreviations_and_decimals():
    text = "Dr. Smith said it was 3.5 mg. I was scared! Was it my fault? Mr. Jones left."
    assert list(split_sentences(tokens(text))) == [
        "Dr. Smith said it was 3.5 mg.",
        "I was scared!",
        "Was it my fault?",
        "Mr. Jones left.",
    ]


def test_ellipsis_into_lower_case_is_a_hesitation_not_an_end():
    text = "I was scared... really scared. Then... I don't know."
    assert list(split_sentences(tokens(text))) == ["I was scared... really scared.", "Then...", "I don't know."]


def test_long_clause_is_cut_at_a_comma_after_twelve_words():
    text = "I went to the shop and then I went to the park and then I walked home, and it rained. Yes."
    parts = list(split_sentences(tokens(text)))
    assert parts[0].endswith("walked home,")
    assert parts[1:] == ["and it rained.", "Yes."]


def test_short_clause_comma_does_not_cut():
    assert list(split_sentences(tokens("Well, honestly, I'm fine. Really."))) == ["Well, honestly, I'm fine.", "Really."]


def test_first_sentence_is_released_before_the_stream_ends():
    splitter = SentenceSplitter()
    pieces = ["I'm", " tired", ".", " I", " work", " nights", " and", " weekends", "."]
    released_at = None
    for index, piece in enumerate(pieces):
        if splitter.feed(piece) and released_at is None:
            released_at = index
    assert released_at is not None and released_at < len(pieces) - 1
    assert splitter.flush() == ["I work nights and weekends."]


def test_trailing_text_without_punctuation_is_flushed_and_blank_is_dropped():
    assert list(split_sentences(["It is", " what it is"])) == ["It is what it is"]
    assert list(split_sentences(["  ", "\n"])) == []


def test_closing_quote_stays_with_its_sentence():
    assert list(split_sentences(tokens('He said "stop." Then nothing.'))) == ['He said "stop."', "Then nothing."]


def test_the_first_piece_may_end_at_an_early_comma_so_the_client_speaks_sooner():
    from trainer.client.sentences import split_sentences

    tokens = "Honestly I don't know really, it's just been a lot, what with the kids and work and everything."
    pieces = list(split_sentences(t + " " for t in tokens.split()))
    assert pieces[0] == "Honestly I don't know really,"
    # Later clauses keep the long threshold: no cut at the second comma (4 words).
    assert pieces[1].startswith("it's just been a lot, what with")
