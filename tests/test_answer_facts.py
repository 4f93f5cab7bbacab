"""Facts about the documents themselves (主送, 抄送, 印发机关 and 印发日期, 附件, the notice's request) and verdicts
on claims: on tiny made-up notices and claims, then on the real corpus."""

from __future__ import annotations

import pytest

from assistant.answer.analysis import Ask, Intent, Lexicon, analyse
from assistant.answer.candidates import DocumentFact
from assistant.answer.claims import total_not_each
from assistant.answer.document_facts import asked_facts, claimed_text, fact_verdict
from assistant.answer.plan import Planner
from assistant.answer.plans import Verdict
from assistant.core.settings import AnswerTuning
from ingest.notice import notice_facts

HEADER = (
    "某某省工业和信息化厅关于印发《某某省中试基地认定办法》的通知\n某工信科〔2026〕7号\n"
    "各市（州）工业和信息化主管部门，有关单位：\n现将《某某省中试基地认定办法》印发给你们，请遵照执行。\n"
    "附件：1.某某省中试基地认定办法\n2.申报书模板\n某某省工业和信息化厅\n2026年3月2日"
)
TRAILER = "抄送：省财政厅，省科技厅。\n某某省工业和信息化厅办公室 2026年3月9日印发"


def test_a_notice_in_the_usual_layout_yields_its_frame_facts():
    facts = notice_facts(HEADER, TRAILER)
    assert facts.recipients == "各市（州）工业和信息化主管部门，有关单位"
    assert facts.request == "现将《某某省中试基地认定办法》印发给你们，请遵照执行。"
    assert facts.attachments == ("某某省中试基地认定办法", "申报书模板")
    assert facts.copied == ("省财政厅", "省科技厅")
    assert (facts.printer, facts.printed) == ("某某省工业和信息化厅办公室", "2026-03-09")
    assert notice_facts("关于X的通知\n正文。") == type(facts)()  # nothing stated, nothing invented


def test_every_fact_a_message_asks_for_is_found_once():
    assert asked_facts("这个文的成文日期和印发日期是哪天？", frozenset()) == ["printed", "signed"]
    assert asked_facts("请告知发文字号、成文日期、印发机关及印发日期、抄送单位", frozenset()) == [
        "printed",
        "number",
        "signed",
        "copied",
    ]
    assert asked_facts("通知的附件是什么？主送对象是谁？", frozenset()) == ["recipients", "attachment"]
    assert asked_facts("方案是市发改委牵头印发的吧？", frozenset()) == ["issuers"]  # a claim asks too
    assert asked_facts("中试服务券比例是多少？", frozenset()) == []


def test_the_words_of_a_claim_are_answered_by_the_fact():
    claimed = claimed_text("文号写成工信部联科〔2023〕11号对吗")
    assert "工信部联科〔2023〕11号" in claimed and "文号" in claimed


def test_a_claim_about_a_document_is_checked_against_its_own_fact():
    issuers = DocumentFact("issuers", ("某某省工业和信息化厅", "某某省财政厅"))
    printed = DocumentFact("printed", ("某某省工业和信息化厅办公室", "2026-03-09"))
    signed = DocumentFact("signed", ("2026-03-02",))
    assert fact_verdict("是省工信厅和省财政厅联合印发的吧？", [issuers]) is True
    assert fact_verdict("是省发改委牵头印发的吧？", [issuers]) is False
    assert fact_verdict("是2026年3月2日印发的对吗？", [signed, printed]) is False  # 印发: the printing date
    assert fact_verdict("落款日期是2026年3月2日吧？", [signed]) is True
    assert fact_verdict("是3月2日印发的吧？", [signed, printed]) is False  # a date without its year
    assert fact_verdict("是3月9日印发的吧？", [signed, printed]) is True
    assert asked_facts("是3月2日印发的对吗？", frozenset()) == ["signed", "printed"]
    assert fact_verdict("文号是某工信科〔2025〕7号吗？", [DocumentFact("number", ("某工信科〔2026〕7号",))]) is False
    copied = DocumentFact("copied", ("省财政厅", "省科技厅"))
    assert fact_verdict("抄送了省科技厅，对吗？", [copied]) is True
    assert fact_verdict("抄送单位里有省教育厅吗？", [copied]) is False
    assert fact_verdict("中试基地有几家？", [issuers]) is None
    assert fact_verdict("印发前经过省政府同意了吗？", [issuers]) is None  # approval is no issuing
    assert fact_verdict("是两个部门联合印发的吗？", [issuers]) is True
    assert fact_verdict("是三个部门联合印发的吗？", [issuers]) is False
    attached = DocumentFact("attachment", ("某某省中试基地认定办法", "申报书模板"))
    assert fact_verdict("附件是实施细则吗？", [attached]) is False
    assert fact_verdict("附件里有申报书模板吗？", [attached]) is True


@pytest.fixture(scope="module")
def lexicon(tokenizer):
    return Lexicon(tokenizer)


def _claim(planner: Planner, text: str, evidence: str, share: float) -> Verdict:
    ask = Ask(text, Intent.OTHER, True, (), tuple(w for w in ("高校", "宠物", "共建", "集成电路") if w in text))
    return planner._claim_verdict(ask, evidence, share)


def test_claims_without_figures(lexicon):
    planner = Planner(lexicon, lambda word: 1.0, {}, AnswerTuning())
    evidence = "支持高校、研究机构、企业等多元共建。"
    assert _claim(planner, "高校不能参与共建，是这样吗", evidence, 1.0) is Verdict.NO
    assert _claim(planner, "支不支持高校共建", evidence, 0.8) is Verdict.YES  # asks, does not deny
    assert _claim(planner, "高校不能参与共建吧", "高校不得参与共建。", 1.0) is Verdict.YES
    assert _claim(planner, "高校参与共建吗", "研究机构开展试验。", 0.6) is Verdict.NOT_STATED
    assert _claim(planner, "支持高校宠物共建吗", evidence, 1.0) is Verdict.YES
    unknown = Planner(lexicon, lambda word: 0.0 if word == "宠物" else 1.0, {}, AnswerTuning())
    assert _claim(unknown, "支持高校宠物共建吗", evidence, 1.0) is Verdict.NOT_STATED  # no document says 宠物
    listed = "在新能源汽车、民用航空、人工智能等重点领域建设转化基地。"
    assert _claim(planner, "要在集成电路领域建转化基地，对吗", listed, 0.8) is Verdict.NO


def test_a_per_year_claim_against_a_total(lexicon):
    planner = Planner(lexicon, lambda word: 1.0, {}, AnswerTuning())
    ask = analyse("贴息是每年2000万吗？", lexicon).asks[0]
    assert total_not_each(ask, "累计贴息总额不超过2000万元。", planner.lexicon)
    assert not total_not_each(ask, "每年贴息不超过2000万元。", planner.lexicon)


def test_what_a_yes_no_ask_proposes(lexicon):
    target = analyse("是要求到2025年建成20家左右吗？", lexicon).asks[0]
    assert {(f.kind.value, f.value) for f in target.proposed} == {("year", 2025.0), ("count", 20.0)}
    assert analyse("想建一个中试平台，方案支持吗？", lexicon).asks[0].proposed == ()
    assert analyse("上海方案里支不支持引进海外专家？", lexicon).asks[0].yes_no


@pytest.mark.parametrize(
    ("question", "verdict", "stated"),
    [
        ("上海经信委办公室是2025年5月30日印发这个方案的对吗？", "no", "2025年6月10日"),
        ("同事把《制造业中试创新发展实施意见》的文号写成工信部联科〔2023〕11号，这个对吗？", "no", "〔2024〕11号"),
        ("上海方案的通知抄送单位里有市应急局吗？", "yes", "市应急局"),
        ("上海中试统筹协调机制的成员单位里没有市财政局吧？", "no", "市财政局"),
        ("上海对中试平台是怎么培育的？是不是分国家级和市级？", "yes", "两级培育机制"),
    ],
)
def test_claims_on_the_corpus(workspace, question, verdict, stated):
    answer = workspace[1].ask(question)
    assert answer.verdict == verdict and stated in answer.answer


def test_several_document_facts_in_one_message(workspace):
    answer = workspace[1].ask("帮我查下沪经信技〔2025〕365号的成文日期和印发日期，归档要用。")
    assert not answer.refused and "2025年5月30日" in answer.answer and "2025年6月10日" in answer.answer
    answer = workspace[1].ask("上海这份中试平台实施方案的发文字号是多少？是哪几个部门联合发的？")
    assert "沪经信技〔2025〕365号" in answer.answer and "上海市教育委员会" in answer.answer
    answer = workspace[1].ask("工信部联科〔2024〕11号通知是发给哪些单位的？")
    assert "新疆生产建设兵团" in answer.answer
    assert "上海市经济和信息化委员会办公室" in workspace[1].ask("上海方案那个通知最后是哪个机构印发的？").answer


def test_a_letter_s_lead_in_is_context_not_an_ask(lexicon):
    analysis = analyse(
        "我单位辖区内一家企业已于2023年建成中试平台，特来函咨询：已建平台的补贴比例如何规定？是否另有贴息？", lexicon
    )
    assert [a.text for a in analysis.asks] == ["已建平台的补贴比例如何规定", "是否另有贴息"]
    assert "2023年" in analysis.context


@pytest.mark.parametrize(
    ("history", "question", "stated"),
    [
        (
            ["上海方案里长三角方面怎么说？", "在哪些领域建转化基地？"],
            "全球那块呢？",
            "全球顶尖科研机构",
        ),
        (["国家解读里中试数字化有什么好处？"], "上海那边AI方面具体点名了哪两个方向？", "AI For Science"),
        (["上海重大中试平台项目贴息上限多少？"], "是每年2000万吗？", "累计贴息总额不超过2000万元"),
    ],
)
def test_a_follow_up_keeps_or_turns_the_subject(workspace, history, question, stated):
    turns = [{"role": "user", "content": h} for h in history]
    answer = workspace[1].ask(question, turns)
    assert not answer.refused and stated in answer.answer
    assert answer.verdict == ("no" if question.startswith("是每年") else None)


def test_structure_of_a_document(workspace):
    answer = workspace[1].ask("上海方案一共有多少条具体措施？最后一条讲的是什么？")
    assert "（十五）支持资源开放共享" in answer.answer and "共四个部分" in answer.answer
    assert workspace[1].ask("《实施意见》正文一共有多少条重点任务？").refused  # only its 解读 is indexed


def test_english_dates_are_written_as_the_documents_write_them(lexicon):
    from assistant.answer.analysis import english_dates

    assert english_dates("released on 16 January 2024?") == "released on 2024年1月16日?"
    assert english_dates("on March 3rd, 2025") == "on 2025年3月3日"
    ask = analyse("Was it released on 16 January 2024?", lexicon).asks[0]
    assert [(f.kind.value, f.value) for f in ask.proposed] == [("date", "2024-01-16")]


def test_a_remark_is_no_ask(lexicon):
    analysis = analyse("机构是827家吧？我手头笔记是这么记的。", lexicon)
    assert [a.text for a in analysis.asks] == ["机构是827家吧"] and "这么记的" in analysis.context


def test_a_document_without_its_printing_line_gives_the_date_it_bears(workspace):
    answer = workspace[1].ask("Which two ministries issued the national implementation opinions, and on what date?")
    assert "工业和信息化部" in answer.answer and "2024年1月16日" in answer.answer


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("我记得国家解读里培养复合型人才也包括“懂工艺”，跟上海方案一样，对吧？", "no"),  # the national list lacks it
        ("国家解读说要做好中试政策与应急管理等政策的衔接，上海的中试统筹协调机制里有应急部门吗？", "yes"),
    ],
)
def test_a_claim_across_documents_is_about_the_one_it_names(workspace, question, verdict):
    assert workspace[1].ask(question).verdict == verdict


def test_an_ordinal_follow_up_in_another_document(workspace):
    history = [
        {"role": "user", "content": "国家解读里提了哪些中试平台建设模式？"},
        {"role": "assistant", "content": "主要有三种：一是龙头企业建设产业链中试平台；二是布局建设中试公共服务机构。"},
    ]
    answer = workspace[1].ask("上海方案里对应第一种模式是怎么写的？", history)
    assert not answer.refused and "链主企业" in answer.answer
    assert {c.document.jurisdiction for c in answer.citations} == {"shanghai"}


def test_a_list_question_gets_every_item_of_the_list_it_quotes():
    from assistant.answer.candidates import Candidate
    from assistant.answer.lists import with_every_item
    from assistant.core.records import Chunk, Document

    doc = Document("d", "某办法", None, (), None, "national", 1, "d.txt", "h")
    parent = ("解读", "五、如何落实？")
    texts = ["一是强化协作。各方配合。", "二是加大支持。地方制定政策。", "三是加强宣传。营造氛围。"]
    chunks = [
        Chunk(f"c{n}", "d", text, (*parent, text.split("。")[0]), (1,), n * 20, n * 20 + 12)
        for n, text in enumerate(texts)
    ]
    chosen = [Candidate("各方配合。", chunks[0], doc, 2.0, 1), Candidate("营造氛围。", chunks[2], doc, 1.0, 1)]

    def children(doc_id, path):
        return [c for c in chunks if c.doc_id == doc_id and c.path[:-1] == path]

    got = with_every_item("解读提了哪几条？", chosen, children, {"d": doc})
    assert [c.text for c in got] == ["各方配合。", "地方制定政策。", "营造氛围。"]
    assert with_every_item("协作怎么做？", chosen, children, {"d": doc}) == chosen  # no list asked for
    assert with_every_item("哪几条？", chosen[:1], children, {"d": doc}) == chosen[:1]  # one item is no list


def test_a_restated_premise_is_followed_by_what_is_asked(tokenizer):
    from assistant.answer.candidates import Candidate
    from assistant.answer.lists import beyond_restated
    from assistant.core.records import Chunk, Document

    doc = Document("d", "某方案", None, (), None, "national", 1, "d.txt", "h")
    chunk = Chunk("c", "d", "推动人工智能和中试平台深度融合。推动智能试验线建设。", ("（六）",), (1,), 0, 30)
    premise, rest = (Candidate(t, chunk, doc, 1.0, n) for n, t in enumerate(chunk.text.split("。")[:2]))
    question = "方案提及推动人工智能与中试平台深度融合，具体有哪些方向"
    assert beyond_restated(question, [premise], [premise, rest], tokenizer.tokens, 0.6) == [premise, rest]
    assert beyond_restated("人工智能有哪些方向", [rest], [premise, rest], tokenizer.tokens, 0.6) == [rest]


def test_a_follow_up_claim_about_the_fact_asked_before(workspace):
    history = [{"role": "user", "content": "国家那份实施意见是谁发的？"}]
    answer = workspace[1].ask("那上海的呢，也是两个部门吗？", history)
    assert answer.verdict == "no" and "上海市科学技术委员会" in answer.answer
