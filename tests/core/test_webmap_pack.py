"""The web map's compact columns (core/webmap_pack.py): every value comes back exactly as it went in."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruralenv.core.maps.pack import (
    ALPHABET,
    MAX_VALUE,
    codes,
    decode,
    deltas,
    numbers,
    pack,
    pack_groups,
    templated,
    texts,
    unpack,
    unzigzag,
    zigzag,
)
from ruralenv.core.maps.webmap import json_for_script

small_ints = st.lists(st.integers(0, MAX_VALUE - 1), max_size=60)
texts_or_none = st.lists(st.one_of(st.none(), st.text(max_size=12)), max_size=40)


@given(small_ints)
def test_a_stream_gives_back_its_integers(values):
    stream = pack(values)
    assert set(stream["b"]) <= set(ALPHABET)
    assert unpack(stream).tolist() == values


@given(st.lists(st.lists(st.integers(0, 5000), max_size=30), min_size=1, max_size=8))
def test_groups_are_separate_streams(groups):
    values = np.array([v for g in groups for v in g], np.int64)
    owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    streams = pack_groups(values, owner, len(groups))
    assert [unpack(s).tolist() for s in streams] == groups


def test_the_order_follows_the_values_and_outliers_stay_exact():
    assert pack([0] * 500 + [MAX_VALUE - 1])["k"] == 0  # mostly zeros: one bit each
    big = pack(np.full(500, 10**6))
    assert big["k"] >= 15 and len(big["b"]) < 500 * 4  # about 21 bits each, not 41
    assert unpack(pack([0] * 1000 + [MAX_VALUE - 1, 3])).tolist() == [0] * 1000 + [MAX_VALUE - 1, 3]
    with pytest.raises(ValueError, match="2\\*\\*50"):
        pack([MAX_VALUE])


@given(st.lists(st.integers(-(2**40), 2**40), max_size=50))
def test_zigzag_round_trip(values):
    assert unzigzag(zigzag(np.array(values, np.int64))).tolist() == values


@given(st.lists(st.one_of(st.none(), st.floats(-1e9, 1e9)), max_size=40), st.sampled_from([0, 1]))
def test_numbers_are_rounded_as_shown(values, digits):
    col = numbers(np.array([np.nan if v is None else v for v in values], float), digits)
    expect = [None if v is None else (int(round(v)) if digits == 0 else float(np.round(v, 1))) for v in values]
    got = decode(col)
    assert got == expect
    assert digits == 1 or all(isinstance(g, int) for g in got if g is not None)  # shown without a decimal point


@given(st.lists(st.one_of(st.none(), st.integers(-(10**9), 10**9)), max_size=40))
def test_coordinates_as_differences(values):
    col = deltas(np.array([np.nan if v is None else v for v in values], float))
    assert decode(col) == values


@given(texts_or_none)
def test_texts_come_back_whole(values):
    for front in (True, False):
        col = texts(values, front=front)
        assert decode(col) == values
        assert json.loads(json_for_script(col)) == col  # travels as JSON unchanged


def test_codes_share_their_first_digits_and_names_stay_searchable():
    village_codes = [f"1506220012{i:02d}" for i in range(50)]
    col = texts(village_codes)
    assert len(col["s"]) < 3 * len(village_codes)
    names = ["韩家塔村一社", "韩家塔村二社", None, "𠀋家村"]  # a character beyond U+FFFF counts two in JavaScript
    whole = texts(names, front=False)
    assert "韩家塔村二社" in whole["s"] and decode(whole) == names
    assert decode(texts(names)) == names


@given(texts_or_none)
def test_any_text_survives_the_sentence_encoding(values):
    assert decode(templated(values)) == values


def test_sentences_keep_their_numbers_as_written():
    rows = [f"距城镇污水管网 {d} km > 3.0 km；常住人口 {r} 人（< 300）；设计水量 {f} m³/d"
            for d, r, f in [("3.7", 214, "7.70"), ("12.0", 14, "0.05"), ("0.5", 299, "10.00")]]
    rows += ["编号 007 与 1.2.3 与 12.3456789 与 1234567890123456 与 123456789012345.123456 照原样", None, "10 000 户"]
    col = templated(rows)
    assert col["enc"] == "tpl" and decode(col) == rows
    first = col["tpl"][0]
    assert "3.0 km" in first and "300" in first and first.count("\0") == 3  # the constants are in the pattern
    assert [s["d"] for s in col["slots"][0]] == [1, 0, 2]


def test_many_different_sentences_are_plain_text():
    rows = [f"第{i}号：{'甲' * (i % 7)}{i * 17}" + "乙" * (i % 5) for i in range(200)]
    assert decode(templated(rows)) == rows
    assert templated(["含\0的文字"])["enc"] == "text"


def test_dictionary_codes():
    col = codes(np.array([0, -1, 1, 0]), ["是", "否"])
    assert decode(col) == ["是", None, "否", "是"]


def test_same_columns_are_not_decoded_alone():
    with pytest.raises(ValueError, match="same"):
        decode({"enc": "same", "layer": "villages"})
