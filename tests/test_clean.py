"""Exact-output tests of the pure text cleaning in ingest/clean.py on small hand-written page texts."""

from __future__ import annotations

import pytest

from ingest.clean import clean_pages, collapse_spaces, is_page_number, strip_page_furniture, text_quality

# Paragraphs as pypdf extracts them from a typeset page: the first line indented (a leading
# space), the wrapped lines about 20 characters wide, the last line ending the sentence.
BODY_1 = [" 支持链主企业、行业优质企业联合产业链上下", "游共建共用中试平台，加大技术研发转化投入。"]
BODY_2 = [" 鼓励第三方公共服务机构牵头建设满足行业共", "性需求的中试平台，开展高水平中试服务。"]
BODY_3 = [" 利用好现有各类创新平台中试资源，开放试验", "能力、试验场地和研究成果，加强技术研发。"]
BODY_4 = [" 围绕集成电路、大飞机、燃气轮机、工业母机", "等领域，提升测试评价、适配验证等能力。"]
TEXT_1, TEXT_2, TEXT_3, TEXT_4 = ("".join(b).strip() for b in (BODY_1, BODY_2, BODY_3, BODY_4))


def page(*lines: str) -> str:
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- page numbers


@pytest.mark.parametrize(
    "line",
    [
        "— 3 —",
        "- 3 -",
        "－ 12 －",
        "—3—",
        "3",
        "第 3 页 共 7 页",
        "第3页",
        "第 3 页，共 7 页",
        "3/7",
        "3 / 7",
        "Page 3 of 7",
        "  — 3 —  ",
    ],
)
def test_page_number_styles_are_recognised(line):
    assert is_page_number(line)


@pytest.mark.parametrize(
    "line",
    [
        "第三章",
        "（三）",
        "3 月",
        "2024年1月16日",
        "1.87万亿元",
        "— 摘要 —",
        "三、保障措施",
        "沪经信技〔2025〕365号",
        "",
        "   ",
    ],
)
def test_text_lines_are_not_page_numbers(line):
    assert not is_page_number(line)


@pytest.mark.parametrize("footer", ["— {n} —", "- {n} -", "第 {n} 页 共 3 页", "{n}/3"])
def test_footers_are_removed(footer):
    pages = [page(*body, footer.format(n=n)) for n, body in enumerate([BODY_1, BODY_2, BODY_3], 1)]
    assert clean_pages(pages).text == f"{TEXT_1}\n{TEXT_2}\n{TEXT_3}"


def test_footer_at_top_of_page_is_removed_too():
    pages = [page("- 1 -", *BODY_1), page("- 2 -", *BODY_2)]
    assert clean_pages(pages).text == f"{TEXT_1}\n{TEXT_2}"


# ---------------------------------------------------------------- running headers and footers


def test_running_header_on_three_pages_is_removed():
    header = "上海市中试平台创新发展实施方案"
    pages = [page(header, *body, f"— {n} —") for n, body in enumerate([BODY_1, BODY_2, BODY_3], 1)]
    assert clean_pages(pages).text == f"{TEXT_1}\n{TEXT_2}\n{TEXT_3}"


def test_running_header_with_changing_number_is_removed():
    pages = [page(f"江苏省工业和信息化厅 第{n}期", *body) for n, body in enumerate([BODY_1, BODY_2, BODY_3, BODY_4], 1)]
    assert clean_pages(pages).text == f"{TEXT_1}\n{TEXT_2}\n{TEXT_3}\n{TEXT_4}"


def test_running_footer_line_is_removed():
    pages = [page(*body, "上海市经济和信息化委员会印发") for body in (BODY_1, BODY_2, BODY_3)]
    assert strip_page_furniture([p.splitlines() for p in pages]) == [BODY_1, BODY_2, BODY_3]
    assert clean_pages(pages).text == f"{TEXT_1}\n{TEXT_2}\n{TEXT_3}"


def test_line_repeated_on_two_pages_only_is_kept():
    header = "上海市中试平台创新发展实施方案"
    pages = [[header, *BODY_1], [header, *BODY_2]]
    assert strip_page_furniture(pages) == pages


def test_line_repeated_on_a_minority_of_pages_is_kept():
    header = "关于中试平台的通知"
    pages = [[header, *BODY_1], [header, *BODY_2], BODY_3, BODY_4, BODY_1]
    assert strip_page_furniture(pages) == pages


def test_repeated_line_in_the_middle_of_pages_is_kept():
    repeated = "（一）加强组织领导"
    pages = [page(b[0], b[1], repeated, b[0], b[1]) for b in (BODY_1, BODY_2, BODY_3)]
    lines = strip_page_furniture([p.splitlines() for p in pages])
    assert [ln for p in lines for ln in p].count(repeated) == 3


# ---------------------------------------------------------------- joining lines


def test_mid_sentence_line_breaks_are_joined_without_space():
    assert clean_pages([page(*BODY_1)]).text == TEXT_1
    assert "上下游" in TEXT_1


def test_sentence_end_followed_by_indent_starts_a_paragraph():
    lines = [
        "党中央、国务院高度重视科技成果转化工作。习近",
        "平总书记指出，要提高科技成果转化和产业化水平。",
        " 党的十八大以来，我国制造业中试持续推进，为",
        "科技成果产业化提供了重要支撑和有力的保障。",
        "中试是把处在试制阶段的新产品转化到生产过程。",
    ]
    # a sentence end at the end of a full line is only a paragraph end when the next line is indented
    assert clean_pages([page(*lines)]).text == (
        "党中央、国务院高度重视科技成果转化工作。习近平总书记指出，要提高科技成果转化和产业化水平。\n"
        "党的十八大以来，我国制造业中试持续推进，为科技成果产业化提供了重要支撑和有力的保障。中试是把处在试制阶段的新产品转化到生产过程。"
    )


def test_paragraph_end_with_full_width_indent_and_short_line():
    lines = [
        "二、优化中试服务网络体系",
        "（一）推动链主企业建设中试平台",
        *BODY_1,
        "　　鼓励第三方公共服务机构牵头建设满足行",
        "业共性需求的中试平台。",
        "支持高校、研究机构、企业等多元共建，整合创",
    ]
    assert clean_pages([page(*lines)]).text == (
        f"二、优化中试服务网络体系\n（一）推动链主企业建设中试平台\n{TEXT_1}\n鼓励第三方公共服务机构牵头建设满足行业共性需求的中试平台。\n"
        "支持高校、研究机构、企业等多元共建，整合创"
    )


def test_spaced_out_characters_are_collapsed():
    assert collapse_spaces("上 海 市 教 育 委 员 会") == "上海市教育委员会"
    assert collapse_spaces("　上 海 市\t科 学 技 术 委 员 会　") == "上海市科学技术委员会"
    lines = ["上 海 市 经 济 和 信 息 化 委 员 会", "文 件", *BODY_1]
    assert clean_pages([page(*lines)]).text == f"上海市经济和信息化委员会\n文件\n{TEXT_1}"


def test_number_split_across_lines_is_rejoined():
    lines = [
        "2022 年，规上工业企业试验经费支出 1.",
        "87 万亿元，占全国试验经费支出的 73.92%，",
        "一批自主创新技术加快从样品到产品转化。",
    ]
    assert clean_pages([page(*lines)]).text == (
        "2022年，规上工业企业试验经费支出1.87万亿元，占全国试验经费支出的73.92%，一批自主创新技术加快从样品到产品转化。"
    )


def test_spaces_between_numbers_and_chinese_are_dropped():
    assert collapse_spaces("到 2027 年，建成 20家左右") == "到2027年，建成20家左右"
    assert collapse_spaces("最高可达 1亿元") == "最高可达1亿元"


def test_latin_words_keep_their_spaces():
    assert (
        collapse_spaces("推动AI For Science、AI For Engineering 在中试平台")
        == "推动AI For Science、AI For Engineering在中试平台"
    )
    assert collapse_spaces("随着 5G、云计算") == "随着5G、云计算"
    lines = ["推动人工智能和中试平台深度融合，推动AI For", "Science在中试平台的深度应用，优化工艺过程。"]
    assert (
        clean_pages([page(*lines)]).text
        == "推动人工智能和中试平台深度融合，推动AI For Science在中试平台的深度应用，优化工艺过程。"
    )


def test_full_width_punctuation_is_kept():
    line = "按照“一事一议”原则，落实《实施意见》（工信部联科〔2024〕11号）要求；支持：是否？"
    assert clean_pages([page(line)]).text == line


def test_heading_markers_after_a_finished_line_start_paragraphs():
    lines = [
        "一、主要目标",
        "到2027年，建成20家左右市级中试平台，争创国",
        "家级中试平台。",
        "1.建设产业中试平台",
        "（1）集成电路领域",
        "一是龙头企业建设产业链中试平台。",
        "解读：《实施意见》",
        "抄送：市发展改革委。",
    ]
    assert clean_pages([page(*lines)]).text == (
        "一、主要目标\n到2027年，建成20家左右市级中试平台，争创国家级中试平台。\n1.建设产业中试平台\n（1）集成电路领域\n"
        "一是龙头企业建设产业链中试平台。\n解读：《实施意见》\n抄送：市发展改革委。"
    )


@pytest.mark.parametrize(
    "wrapped",
    [
        "（三）的要求建设，解决行业关键共性技术难题。",
        "第五条的规定执行，解决行业关键共性技术难题。",
        "二是在产业链上下游开展试验，解决技术难题。",
        "3、4项任务同步开展，解决行业关键共性技术难题。",
    ],
)
def test_heading_marker_after_an_unfinished_wrapped_line_is_a_cross_reference(wrapped):
    lines = [
        "支持链主企业联合产业链上下游共建中试平台，按照本方案",
        wrapped,
        " 鼓励第三方公共服务机构牵头建设中试平台。",
    ]
    assert clean_pages([page(*lines)]).text == f"{lines[0]}{wrapped}\n{lines[2].strip()}"


def test_question_mark_ends_a_heading_line():
    lines = ["一、《实施意见》出台的背景？", "党中央、国务院高度重视科技成果转化工作。"]
    assert clean_pages([page(*lines)]).text == "一、《实施意见》出台的背景？\n党中央、国务院高度重视科技成果转化工作。"


def test_open_book_title_mark_keeps_the_title_together():
    lines = ["工业和信息化部国家发展改革委关于印发《制造", "业中试创新发展实施意见》的通知", " 工信部联科〔2024〕11 号"]
    assert (
        clean_pages([page(*lines)]).text
        == "工业和信息化部国家发展改革委关于印发《制造业中试创新发展实施意见》的通知\n工信部联科〔2024〕11号"
    )


def test_signature_date_and_doc_number_lines_stand_alone_after_a_wide_line():
    lines = [
        "现将《实施方案》印发给你们，请结合实际认真抓",
        "好落实，确保各项任务落到实处并取得实效。",
        " 北京市科学技术委员会　北京市经济和信息化局",
        " 2024 年 6 月 12 日",
        "关于印发《北京市中试基地建设实施方案》的通知",
        "京科发〔2024〕15号",
    ]
    assert clean_pages([page(*lines)]).text == (
        "现将《实施方案》印发给你们，请结合实际认真抓好落实，确保各项任务落到实处并取得实效。\n北京市科学技术委员会北京市经济和信息化局\n"
        "2024年6月12日\n关于印发《北京市中试基地建设实施方案》的通知\n京科发〔2024〕15号"
    )


def test_sentences_continue_across_pages():
    pages = [page(*BODY_2, BODY_1[0], "— 1 —"), page(BODY_1[1], *BODY_3, "— 2 —")]
    assert clean_pages(pages).text == f"{TEXT_2}\n{TEXT_1}\n{TEXT_3}"


# ---------------------------------------------------------------- page map


def test_page_map_offsets_and_lookup():
    pages = [page(*BODY_1, "— 1 —"), page(*BODY_2, "— 2 —"), page(*BODY_3, "— 3 —")]
    clean = clean_pages(pages)
    p2, p3 = len(TEXT_1) + 1, len(TEXT_1) + 1 + len(TEXT_2) + 1
    assert clean.page_starts == (0, p2, p3)
    assert clean.text[p2:].startswith(TEXT_2) and clean.text[p3:] == TEXT_3
    assert [clean.page_at(o) for o in (0, p2 - 2, p2 - 1, p2, p3 - 1, p3, len(clean.text) - 1)] == [1, 1, 1, 2, 2, 3, 3]
    assert clean.pages_between(0, len(TEXT_1)) == (1,)
    assert clean.pages_between(p2, p2 + len(TEXT_2)) == (2,)
    assert clean.pages_between(p2 - 5, p2 + 5) == (1, 2)
    assert clean.pages_between(5, len(clean.text)) == (1, 2, 3)
    assert clean.pages_between(p2, p2) == (2,)


def test_page_map_when_a_sentence_runs_over_a_page_break():
    clean = clean_pages([page(BODY_1[0], "— 1 —"), page(BODY_1[1], "— 2 —")])
    split = len(BODY_1[0].strip())
    assert clean.page_starts == (0, split)
    assert clean.pages_between(0, len(clean.text)) == (1, 2)
    assert clean.page_at(split - 1) == 1 and clean.page_at(split) == 2


def test_page_map_skips_blank_pages():
    pages = [page(*BODY_1), page("— 2 —"), "", page(*BODY_2)]
    clean = clean_pages(pages)
    start = len(TEXT_1) + 1
    assert clean.text == f"{TEXT_1}\n{TEXT_2}"
    assert clean.page_starts == (0, start, start, start)
    assert clean.page_at(start) == 4
    assert clean.pages_between(start, len(clean.text)) == (4,)


# ---------------------------------------------------------------- text quality


def test_text_quality_of_chinese_and_garbage():
    assert text_quality("上海市中试平台，支持金额最高可达1亿元（AI For Science）。") == 1.0
    mojibake = "上海市中试平台创新发展实施方案".encode().decode("cp1252", errors="ignore")
    assert text_quality(mojibake) < 0.3
    assert text_quality("") == 0.0
