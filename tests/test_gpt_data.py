"""Documents and tokenizer: microgpt's reading rules, the offline default data, clear errors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diffplay.errors import UsageError
from diffplay.gpt.data import Tokenizer, count_truncated, default_docs, read_docs


def test_read_docs_strips_lines_and_drops_empty_ones(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("  emma\n\n olivia \r\n\t\nava", encoding="utf-8")
    assert read_docs(path) == ["emma", "olivia", "ava"]


def test_read_docs_accepts_any_utf8_text(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("zoë\nłukasz\n日本\n", encoding="utf-8")
    assert read_docs(path) == ["zoë", "łukasz", "日本"]


def test_missing_file_is_a_usage_error_naming_it(tmp_path):
    with pytest.raises(UsageError, match=r"--data .*nope\.txt: no such file"):
        read_docs(tmp_path / "nope.txt")


def test_empty_file_is_a_usage_error(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text("\n  \n\n")
    with pytest.raises(UsageError, match="blank.txt: has no documents"):
        read_docs(path)


def test_non_utf8_file_names_line_byte_and_column(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("anna\nbob\nren\xe9e\n".encode("latin-1"))
    with pytest.raises(UsageError, match=r"latin1\.txt: line 3 is not UTF-8 \(byte 0xe9 at column 4\)"):
        read_docs(path)


def test_default_docs_are_the_names_packages_first_names_lower_cased_once_each():
    import names

    docs = default_docs()
    assert len(docs) == len(set(docs)) > 5000
    assert all(doc.isalpha() and doc.islower() for doc in docs)
    with open(names.FILES["first:male"]) as f:
        first_male = f.readline().split()[0].lower()
    assert docs[0] == first_male   # male list first, most common first
    assert "mary" in docs and "emma" in docs


@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=6))
def test_tokenizer_encodes_between_bos_and_decodes_back(docs):
    tokenizer = Tokenizer.from_docs(docs)
    assert tokenizer.vocab_size == len(set("".join(docs))) + 1
    for doc in docs:
        ids = tokenizer.encode(doc)
        assert ids[0] == ids[-1] == tokenizer.bos and tokenizer.decode(ids) == doc


def test_prompt_character_outside_vocabulary_is_named():
    with pytest.raises(UsageError, match=r"--prompt an!: character '!' \(column 3\) is not in the model's vocabulary"):
        Tokenizer("abn").prompt_ids("an!")


def test_count_truncated_counts_documents_with_more_predictions_than_block_size():
    # a doc of length L gives L + 1 predictions ([BOS] + doc -> doc + [BOS])
    assert count_truncated(["a" * 15, "b" * 16, "c" * 20, "d"], block_size=16) == 2
