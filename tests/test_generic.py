"""The generic fallback ("web") on hand-written pages, hostile input, and the bench's 4-gram F1."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bench.metrics import char_ngram_f1, char_ngrams, snippet_in
from scraper import extract
from scraper.html import plain_text
from scraper.sites import adapter_for, generic
from scraper.sites._common import CHINA_TZ

FIXTURES = Path(__file__).parent / "fixtures" / "generic"


def _page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _body(article) -> str:  # type: ignore[no-untyped-def]
    return plain_text(article.body_markdown)


def test_unknown_site_uses_the_generic_adapter() -> None:
    assert adapter_for("https://www.example.cn/news/1.html", _page("news.html")) is generic.ADAPTER


def test_news_page_keeps_the_article_and_drops_the_chrome() -> None:
    url = "https://www.example.cn/city/2024/0315/a1.html"
    article = extract(_page("news.html").encode("utf-8"), url)
    assert article.kind == "article" and article.site == "web"
    body = _body(article)
    for kept in (
        "本报讯 城东区首座社区图书馆今天上午正式对外开放。",
        "退休教师王阿姨告诉记者",
        "读者凭身份证即可免费办理借阅证",
        "此外，图书馆每月将举办读书分享会、亲子阅读等公益活动，欢迎市民积极参与。",
    ):
        assert snippet_in(kept, body), kept
    for chrome in (
        "首页",
        "热门排行",
        "春季流感高发",
        "相关新闻",
        "市图书馆延长夜间开放时间",
        "网友评论",
        "开放时间能不能再晚一点",
        "版权所有",
        "QQ空间",
        "责任编辑",
        "2024年03月15日 09:30",
    ):
        assert not snippet_in(chrome, body), chrome
    assert "![图书馆内景](https://www.example.cn/images/2024/lib-inside.jpg)" in article.body_markdown
    assert article.title == "城东新建社区图书馆今日开放"
    assert article.published == datetime(2024, 3, 15, 9, 30, tzinfo=CHINA_TZ)
    assert article.author == "李明"  # the byline, not <meta name=author> (the paper's name)
    assert article.source == "示例晚报"
    assert article.cover == "https://img.example.cn/2024/lib-cover.jpg"
    assert article.summary == "城东区首座社区图书馆今日正式对外开放，藏书三万册。"


def test_blog_article_element_with_headings_code_and_list() -> None:
    article = generic.extract(_page("blog.html"), "https://blog.example.org/p/42")
    assert article.kind == "article"
    md = article.body_markdown
    assert "## 为什么是 SQLite" in md and "## 一些小坑" in md
    assert "CREATE VIRTUAL TABLE notes USING fts5(path, title, body);\nINSERT INTO notes" in md
    assert "- 文件改动后要记得重建对应的行，否则搜索结果会过期；" in md
    body = _body(article)
    assert snippet_in("整个工具不到一百行代码，已经成了我每天都在用的东西。", body)
    for chrome in ("上一篇", "下一篇", "最近文章", "归档", "© 2023", "2023-11-02 · 林小林"):
        assert not snippet_in(chrome, body), chrome
    assert article.title == "用 SQLite 做个人笔记索引"
    assert article.author == "林小林"  # JSON-LD
    assert article.account == "小林的技术博客"  # no quoted source: the site itself, from the <title>
    assert article.published == datetime(2023, 11, 2, 21, 15, 8, tzinfo=CHINA_TZ)


def test_government_table_layout() -> None:
    article = generic.extract(
        _page("gov.html"), "https://www.example.gov.cn/zwgk/tzgg/202402/t20240220_1.html"
    )
    assert article.kind == "article"
    body = _body(article)
    assert body.startswith("各乡镇人民政府，县直有关单位：")
    for kept in ("一、抓好粮食播种面积落实。", "四、做好防灾减灾准备。", "请各单位于三月底前"):
        assert snippet_in(kept, body), kept
    for chrome in ("通知公告", "政策文件", "当前位置", "浏览次数", "打印本页", "网站标识码", "办事服务"):
        assert not snippet_in(chrome, body), chrome
    assert article.title == "关于做好2024年春季农业生产工作的通知"
    # the meta gives the day only; the visible dateline gives the time of that day
    assert article.published == datetime(2024, 2, 20, 10, 45, tzinfo=CHINA_TZ)
    assert article.source == "县农业农村局"


def test_index_page_is_not_an_article() -> None:
    url = "https://www.example.cn/news/"
    article = generic.extract(_page("index.html"), url)
    assert article.kind == "not_article"
    assert article.error and url in article.error
    assert article.body_markdown == ""


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><p>nginx</p></body></html>",
        "<html><body><div id='app'></div><script>window.__INITIAL_STATE__={}</script></body></html>",
        "<html><body><p>页面不存在或已被删除。</p><a href='/'>返回首页</a></body></html>",
    ],
    ids=["empty", "404", "js-shell", "deleted-notice"],
)
def test_pages_without_an_article_are_refused(html: str) -> None:
    url = "https://www.example.cn/x.html"
    article = extract(html, url)
    assert article.kind == "not_article"
    assert article.error and url in article.error


def _thread(i: int) -> str:
    return (
        f"<li class='j_thread_list clearfix'><div class='t_con'><div class='threadlist_title'>"
        f"<a href='/p/{i}'>帖子标题第{i}号</a></div><div class='threadlist_detail'><div class='threadlist_abs'>"
        "这是帖子的摘要，讲了学校招生的说明：招生对象、录取方式、招生专业、优惠政策，每一条都写得很长，"
        "还有联系电话和报名地址，以及报名截止时间，欢迎大家咨询，名额有限，先到先得，报满即止。"
        "</div></div></div></li>"
    )


def test_a_forum_thread_list_is_not_an_article() -> None:
    """Each thread preview is prose, and one of them is the densest block: it is still a list."""
    html = (
        "<html><head><title>某某吧-百度贴吧</title></head><body><div class='head'>某某吧</div><ul id='thread_list'>"
        + "".join(_thread(i) for i in range(12))
        + "</ul></body></html>"
    )
    url = "https://tieba.example.cn/f?kw=x"
    article = extract(html.encode("utf-8"), url)
    assert article.kind == "not_article"
    assert article.error and "list" in article.error and url in article.error


def test_one_long_post_in_a_repeated_wrapper_is_still_an_article() -> None:
    paragraph = (
        "<p>这是一段足够长的正文内容，用来测试列表识别，其中包含若干句子。这里还有第二句话，句子继续。</p>"
    )
    html = (
        "<html><head><title>长文一篇_某网</title></head><body><h1>长文一篇</h1><ul>"
        + "<li class='post'><div class='text'>"
        + paragraph * 40
        + "</div></li>"
        + "".join(f"<li class='post'><a href='/{i}'>另一篇{i}</a></li>" for i in range(8))
        + "</ul></body></html>"
    )
    article = extract(html.encode("utf-8"), "https://www.example.cn/a/1.html")
    assert article.kind == "article" and article.title == "长文一篇"


@pytest.mark.parametrize(
    ("head", "heading", "title"),
    [
        # the <title> names the channel, then the headline; the page's heading is a div
        (
            "明日预测--联合国报告：全球经济增长率降至2.3%",
            "<div class='title-text'>联合国报告：全球经济增长率降至2.3%</div>",
            "联合国报告：全球经济增长率降至2.3%",
        ),
        # the <title> is the site's section and name only; the headline is an h5 right above the body
        (
            "新闻动态--某某学会官网",
            "<h5>2019年人文地理学术年会在重庆成功举行！</h5>",
            "2019年人文地理学术年会在重庆成功举行！",
        ),
        # a CMS's class in upper case
        ("街道调研工作 东区办事处_某某网", "<span class='Title'><b>街道调研工作</b></span>", "街道调研工作"),
    ],
    ids=["channel-prefix", "site-title", "class-case"],
)
def test_title_from_the_heading_when_the_head_title_is_not_the_headline(
    head: str, heading: str, title: str
) -> None:
    html = (
        f"<html><head><title>{head}</title></head><body><div class='nav'><a href='/'>首页</a></div>"
        f"<div class='main'>{heading}<div class='content'>"
        + "<p>这是一段足够长的正文内容，用来测试标题识别，其中包含若干句子。这里还有第二句话，句子继续。</p>"
        * 4
        + "</div></div></body></html>"
    )
    article = generic.extract(html, "https://www.example.cn/a.html")
    assert article.kind == "article"
    assert article.title == title


def test_short_page_of_one_sentence_is_refused_but_a_short_article_is_kept() -> None:
    url = "https://www.example.cn/a.html"
    one = "<html><body><div><p>欢迎访问本站，祝您浏览愉快！</p></div></body></html>"
    assert generic.extract(one, url).kind == "not_article"
    short = (
        "<html><head><title>快讯：全市今起实行夏季作息时间</title></head><body><div class='content'>"
        "<p>记者从市人社局获悉，根据有关规定，全市机关事业单位自今日起实行夏季作息时间。</p>"
        "<p>上午上班时间为八点半，下班时间为十二点；下午上班时间为两点半，下班时间为六点。</p>"
        "<p>夏季作息时间执行至九月三十日，请广大市民合理安排办事时间，以免给您带来不便。</p>"
        "</div></body></html>"
    )
    article = generic.extract(short, url)
    assert article.kind == "article"
    assert snippet_in("夏季作息时间执行至九月三十日", _body(article))
    assert article.title == "快讯：全市今起实行夏季作息时间"


def test_editor_is_not_the_author() -> None:
    html = (
        "<html><head><meta name='author' content='王编辑'><title>标题一则 - 某网</title></head><body>"
        "<h1>标题一则</h1><div class='info'>2021-05-06 07:08 来源：某日报</div><div class='text'>"
        + "<p>这是一段足够长的正文内容，用来测试作者识别，其中包含若干句子。这里还有第二句话，句子继续。</p>"
        * 4
        + "<p>（责任编辑：王编辑）</p></div></body></html>"
    )
    article = generic.extract(html, "https://www.example.cn/a.html")
    assert article.kind == "article"
    assert article.author != "王编辑"
    assert article.title == "标题一则"
    assert article.source == "某日报"
    assert article.published == datetime(2021, 5, 6, 7, 8, tzinfo=CHINA_TZ)


@pytest.mark.parametrize(
    "head_and_byline",
    [
        "<meta name='author' content='104363'></head><body><h1>标题一则</h1>",  # a CMS user id
        "</head><body><h1>标题一则</h1><div class='author'>发布于 2019-09-26 07:19:52</div>",
        "</head><body><h1>标题一则</h1><div class='author'> </div><div class='author'>相关文章</div>",
        "</head><body><h1>标题一则</h1><div class='info'>作者：佚名 2021-05-06 07:08</div>",
    ],
)
def test_placeholders_and_labels_are_no_author(head_and_byline: str) -> None:
    html = (
        "<html><head><title>标题一则 - 某网</title>"
        + head_and_byline
        + "<div class='text'>"
        + "<p>这是一段足够长的正文内容，用来测试作者识别，其中包含若干句子。这里还有第二句话，句子继续。</p>"
        * 4
        + "</div></body></html>"
    )
    article = generic.extract(html, "https://www.example.cn/a.html")
    assert article.kind == "article" and article.title == "标题一则"
    assert article.author is None


_PROSE = (
    "<p>这是一段足够长的正文内容，用来测试日期识别，其中包含若干句子。这里还有第二句话，句子继续。</p>" * 4
)


@pytest.mark.parametrize(
    ("head", "after_body", "expected"),
    [
        # a labelled date below the body, date only (a university CMS) or with the time
        (
            "",
            "<div class='info'>| 发布时间: 2018-05-17 | 浏览次数: 2168</div>",
            datetime(2018, 5, 17, tzinfo=CHINA_TZ),
        ),
        (
            "",
            "<div>发布日期：2019-09-23 14:34:05&nbsp;&nbsp;所属分类：要闻</div>",
            datetime(2019, 9, 23, 14, 34, 5, tzinfo=CHINA_TZ),
        ),
        # only the page's JSON data has it
        (
            '<script>window.__DATA__={"topic":{"publishDate":"2019-09-07T00:31:40.000Z"}}</script>',
            "",
            datetime(2019, 9, 7, 8, 31, 40, tzinfo=CHINA_TZ),
        ),
        (
            "<meta name='firstpublishedtime' content='2007-08-20-23:59:59'>",
            "",
            datetime(2007, 8, 20, 23, 59, 59, tzinfo=CHINA_TZ),
        ),
    ],
    ids=["label-date-only", "label-date-time", "script-json", "gov-meta"],
)
def test_dates_off_the_dateline(head: str, after_body: str, expected: datetime) -> None:
    html = (
        f"<html><head><title>标题一则_某网</title>{head}</head><body><h1>标题一则</h1>"
        f"<div class='content'>{_PROSE}</div>{after_body}</body></html>"
    )
    article = generic.extract(html, "https://www.example.cn/a.html")
    assert article.kind == "article"
    assert article.published == expected


def test_feedback_widgets_member_teasers_and_editor_lines_in_the_body_are_dropped() -> None:
    html = (
        "<html><head><title>标题一则_某网</title></head><body><h1>标题一则</h1><div class='article'>"
        f"<div class='content'>{_PROSE}<p>相关资讯请关注:某某游戏专区</p><p>阅读数(15878）</p><p>+1</p></div>"
        "<div class='edit clearfix'>(责编：汤某某、丁某)</div>"
        "<div class='a-btool'><div id='uninterested'>不感兴趣<ul><li>广告软文</li><li>重复、旧闻</li>"
        "<li>文字、图片、视频等展示问题</li><li>其他问题，我要吐槽</li></ul></div></div>"
        "<div id='post-member'><h4>观察员</h4><p>【某栏目】外资撤离？相反，他们的迟疑正在消散</p><p>2019-09-08</p>"
        "<p>【深度】某国拒用5G，原因和后果是什么</p><p>2019-09-08</p></div>"
        "</div></body></html>"
    )
    article = generic.extract(html, "https://www.example.cn/a.html")
    body = _body(article)
    assert snippet_in("这是一段足够长的正文内容，用来测试日期识别", body)
    for gone in (
        "相关资讯请关注",
        "责编",
        "我要吐槽",
        "展示问题",
        "外资撤离",
        "观察员",
        "阅读数",
        "15878",
        "+1",
    ):
        assert not snippet_in(gone, body), gone


@pytest.mark.parametrize(
    ("dateline", "tail", "author", "source"),
    [
        (
            "2020-11-23 10:22:14 出处：快科技 作者： 宪瑞 编辑：宪瑞",
            "",
            "宪瑞",
            None,
        ),  # one person, two roles
        (
            "2019-09-18 06:23 来源：山西日报",
            "<p>山西品牌丝路行活动由省商务厅主办，为期十天，走访三国。（张巨峰）</p>",
            "张巨峰",
            "山西日报",
        ),
        ("2019-10-31 23:00 来源：本站原创", "", None, None),  # names no outlet
        ("2019-03-06 15:00 来源于：东区办事处", "", None, "东区办事处"),
        ("2019-09-26 10:56:28 证券时报网", "", None, "证券时报网"),  # unlabelled, named like a media
        ("2019-09-26 10:56:28 星期四", "", None, None),  # a weekday is no media
        (
            "2019-09-11 某某传媒",
            "<p>本文转自南方都市报</p>",
            None,
            "南方都市报",
        ),  # the credit wins
    ],
    ids=[
        "author-is-editor",
        "closing-byline",
        "own-site",
        "source-label-variant",
        "unlabelled",
        "weekday",
        "credit-first",
    ],
)
def test_bylines_and_sources_of_the_dateline(
    dateline: str, tail: str, author: str | None, source: str | None
) -> None:
    html = (
        f"<html><head><title>标题一则_某网</title></head><body><h1>标题一则</h1><div class='info'>{dateline}</div>"
        f"<div class='content'>{_PROSE}{tail}</div></body></html>"
    )
    article = generic.extract(html, "https://www.example.cn/a.html")
    assert article.kind == "article"
    assert (article.author, article.source) == (author, source)


def test_labels_left_at_the_body_edges_by_removed_widgets_go_but_signatures_stay() -> None:
    html = (
        "<html><head><title>标题一则_某网</title></head><body><h1>标题一则</h1><div class='content'>"
        f"<p>图集</p>{_PROSE}<p>媒体报道</p><p>订阅</p><h3>相关事件</h3><p><a href='/topic/1'>查看话题</a></p>"
        "</div></body></html>"
    )
    article = generic.extract(html, "https://www.example.cn/a.html")
    assert article.body_markdown.startswith("这是一段足够长的正文内容")
    assert article.body_markdown.rstrip().endswith("句子继续。")
    assert {"相关事件", "订阅", "媒体报道", "图集"} <= {
        r.text for r in article.removed if r.rule == "web:edge-label"
    }
    assert "查看话题" not in article.body_markdown
    kept = (
        "<html><head><title>标题一则_某网</title></head><body><h1>标题一则</h1><div class='content'>"
        f"<p>收盘播报</p>{_PROSE}<p>张三</p><p>（综合整理自某某网、某某报等）</p></div></body></html>"
    )
    body = generic.extract(kept, "https://www.example.cn/a.html").body_markdown
    assert body.startswith("收盘播报") and "张三" in body and "综合整理自" in body


def test_deeply_nested_divs_finish_quickly() -> None:
    depth = 5000
    text = (
        "<p>深层嵌套的页面也要能处理，这是其中的一段正文，内容足够长，包含多个句子。再来一句，继续。</p>" * 5
    )
    html = "<html><body>" + "<div>" * depth + text + "</div>" * depth + "</body></html>"
    start = time.process_time()
    article = generic.extract(html, "https://www.example.cn/deep.html")
    elapsed = time.process_time() - start
    assert elapsed < 5.0  # why: generous for slow CI; it takes well under a second
    assert article.kind == "article"
    assert snippet_in("深层嵌套的页面也要能处理", _body(article))


def test_ten_megabyte_single_line_finishes_cleanly() -> None:
    cell = "<span>数据</span>"
    html = "<html><body><div>" + cell * (10_000_000 // len(cell.encode("utf-8"))) + "</div></body></html>"
    assert len(html.encode("utf-8")) >= 10_000_000 and "\n" not in html
    start = time.process_time()
    article = generic.extract(html, "https://www.example.cn/huge.html")
    elapsed = time.process_time() - start
    assert elapsed < 20.0  # why: generous for slow CI; lexbor parses this in a fraction of that
    assert article.kind == "not_article"  # no sentences: a data dump, not an article


def test_title_suffixes_are_removed_but_inner_separators_kept() -> None:
    strip = generic._strip_title_suffix
    assert (
        strip("宇航员在太空中喝酒会怎么样？后果很严重 _探索者 _光明网")
        == "宇航员在太空中喝酒会怎么样？后果很严重"
    )
    assert (
        strip("拿出10万元投资房产 小两口尝试以钱生钱(图)_新浪房产_新浪网")
        == "拿出10万元投资房产 小两口尝试以钱生钱(图)"
    )
    assert strip("工商部门初定SKII广告属于虚假宣传-搜狐财经") == "工商部门初定SKII广告属于虚假宣传"
    assert strip("棱镜|数据业大整顿：爬虫与现金贷共生共荣，用户信息几元不等") == (
        "棱镜|数据业大整顿：爬虫与现金贷共生共荣，用户信息几元不等"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-09-07 19:02 来源：扬子晚报", datetime(2019, 9, 7, 19, 2, tzinfo=CHINA_TZ)),
        ("2019年09月07日 19:02　来源：新京报", datetime(2019, 9, 7, 19, 2, tzinfo=CHINA_TZ)),
        ("BUSINESS.SOHU.COM 2005-3-11 12:12", datetime(2005, 3, 11, 12, 12, tzinfo=CHINA_TZ)),
        ("2017-03-01T06:27:02.000Z", datetime(2017, 3, 1, 14, 27, 2, tzinfo=CHINA_TZ)),
        ("1606349088000", datetime(2020, 11, 26, 8, 4, 48, tzinfo=CHINA_TZ)),
        ("2007-08-20-23:59:59", datetime(2007, 8, 20, 23, 59, 59, tzinfo=CHINA_TZ)),  # gov.cn meta
    ],
)
def test_dates_in_chinese_formats(text: str, expected: datetime) -> None:
    assert generic._dateline_date([text]) == expected or generic._parse_date(text) == expected


def test_date_line_prefers_a_hidden_copy_with_seconds() -> None:
    lines = ["2017-03-10 09:58 来源： 网易科学人", "2017-03-10 09:58:03 来源： 网易科学人"]
    assert generic._dateline_date(lines) == datetime(2017, 3, 10, 9, 58, 3, tzinfo=CHINA_TZ)
    prose = ["2020年11月18日上午11点半，得知自己减刑释放的于欢还没缓过神来，被送到了路口。"]
    assert generic._dateline_date(prose) is None


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("作者：李明 2024-01-01", "李明"),
        ("文/张三", "张三"),
        ("新京报记者 彭冲 山东冠县报道", "彭冲"),
        ("作者︱春春", "春春"),
        ("2017-03-10 09:58:03 来源： 网易科学人 作者： 责任编辑：肖春芳", ""),
        ("苹果公司9日对记者表示，大多数指控都是错误的", ""),  # prose about a reporter
        ("记者表示，调查仍在进行", ""),
        ("作者：未知 责任编辑：某某", ""),
        ("发表于 2014-08-24 21:30 | 1164次阅读 | 来源 CSDN | 0 条评论 | 作者 魏星", "魏星"),
        ("作者：王文 中国人民大学重阳金融研究院执行院长", "王文"),  # the title after the name goes
        ("作者：陈智 整合", "陈智"),
        ("作者认为，这一现象值得关注", ""),
    ],
)
def test_bylines(line: str, name: str) -> None:
    assert generic._byline(line) == name


# --- the 4-gram F1 of the benchmark ---------------------------------------------------------------


def test_ngram_f1_identical_and_disjoint() -> None:
    assert char_ngram_f1("今天天气很好", "今天天气很好").f1 == 1.0
    assert char_ngram_f1("今天天气很好", "明日有大雨来").f1 == 0.0
    assert char_ngram_f1("", "").f1 == 1.0
    assert char_ngram_f1("", "正文内容").f1 == 0.0


def test_ngram_f1_ignores_white_space_and_counts_clipped_grams() -> None:
    assert char_ngram_f1("今天 天气\n很好", "　今天天气很好\u00a0").f1 == 1.0
    # "abcde" has grams abcd, bcde; "abcdx" has abcd, bcdx: one shared of two each
    got = char_ngram_f1("abcde", "abcdx")
    assert (got.precision, got.recall, got.f1) == (0.5, 0.5, 0.5)
    # repeating the text does not raise the overlap: the extra copies are false positives
    doubled = char_ngram_f1("abcdabcd", "abcd")
    assert doubled.recall == 1.0 and doubled.precision == pytest.approx(1 / 5)


def test_ngram_f1_precision_and_recall_of_a_partial_extraction() -> None:
    reference = "第一段正文内容。第二段正文内容。"
    half = char_ngram_f1("第一段正文内容。", reference)
    assert half.precision == 1.0
    assert half.recall == pytest.approx(5 / 13)  # 5 of the reference's 13 grams
    assert half.f1 == pytest.approx(2 * half.recall / (1 + half.recall))
    assert char_ngrams("abc") == {"abc": 1}  # shorter than n: one gram


def test_bench_scoring_of_one_page() -> None:
    from bench.peers import Output
    from bench.quality import score_page

    rec = {
        "file": "raw/x/a.html",
        "kind": "article",
        "title": "标题",
        "published": "2019-09-07T23:30:00+08:00",
        "with": ["第一段 正文", "不在其中"],
        "without": ["广告"],
    }
    out = Output(
        text="第一段正文\n其余", title=" 标题 ", published=datetime(2019, 9, 7, 15, 30, tzinfo=CHINA_TZ)
    )
    s = score_page(rec, out, ours=False)
    assert (s.keep, s.keep_total, s.clean, s.clean_total, s.title, s.date_ok, s.date_given) == (
        1,
        2,
        1,
        1,
        1,
        1,
        1,
    )
    # a UTC date that is the same China-time day counts; a bare date is taken as the day it names
    utc = Output(text="x", published=datetime(2019, 9, 7, 15, 30, tzinfo=UTC))
    assert score_page(rec, utc, ours=False).date_ok == 1
    assert score_page(rec, Output(text="x", published=date(2019, 9, 8)), ours=False).date_ok == 0
    # a refused article keeps nothing and is not scored for boilerplate
    refused = score_page(rec, Output(refused=True), ours=False)
    assert (refused.keep, refused.clean_total) == (0, 0)
    gone = {"file": "raw/x/b.html", "kind": "deleted", "with": [], "without": []}
    assert score_page(gone, Output(refused=True, kind="deleted"), ours=True).typed == 1
    assert score_page(gone, Output(text="正文"), ours=False).refused == 0


def test_gne_bench_builds_a_corpus_the_quality_bench_reads(tmp_path: Path) -> None:
    """bench/gne_pages.py: every annotated sdist page gets linked under raw/<site>/, the annotations
    point at the links, and a hand-cleaned text becomes an F1 reference of its page."""
    import json

    from bench import gne_pages, quality

    sdist = tmp_path / "sdist"
    records = json.loads(gne_pages.ANNOTATIONS.read_text(encoding="utf-8"))
    for rec in records:
        (sdist / rec["file"]).parent.mkdir(parents=True, exist_ok=True)
        (sdist / rec["file"]).write_text(f"<html><body><p>{rec['file']}</p></body></html>", encoding="utf-8")
    corpus = tmp_path / "corpus"
    assert gne_pages.build_corpus(sdist, corpus) == len(records) == 44
    assert quality.find_corpus(str(corpus)) == corpus.resolve()
    loaded = quality.load_records(corpus)
    assert {quality.site_of(r) for r in loaded} == {"163", "sina", "toutiao", "baijiahao", "wechat", "other"}
    by_file = {r["file"]: r for r in loaded}
    assert by_file["raw/sina/tests_sina_3.html"]["title"] == next(
        r["title"] for r in records if r["file"] == "tests/sina/3.html"
    )
    assert (corpus / "raw/sina/tests_sina_3.html").read_text(encoding="utf-8").count("tests/sina/3.html") == 1
    refs = quality.hand_cleaned(corpus)
    cleaned = sorted(gne_pages.CLEANED.glob("*.txt"))
    assert len(refs) == len(cleaned) and len(cleaned) >= 20
    assert all(ref.startswith("raw/") for ref in refs)


NOTICE_URL = "https://www.example.gov.cn/xw/bm/202104/t20210409_1.html"


def test_a_short_article_under_its_headline_and_dateline_is_kept() -> None:
    """About 120 characters, four commas and no full stop: too little prose by the counts alone, but
    the page has a headline, says its date and has one body block that dominates it."""
    html = _page("short-notice.html")
    article = generic.extract(html, NOTICE_URL)
    assert article.kind == "article", article.error
    assert article.title == "区图书馆延长周末开放时间"
    assert article.published == datetime(2021, 4, 9, 10, 30, tzinfo=CHINA_TZ)
    body = _body(article)
    assert snippet_in("区图书馆自4月10日起延长周末开放时间", body) and snippet_in("自觉遵守馆内秩序", body)
    assert "主办单位" not in body and "分享到" not in body
    # without a date the page says nothing that makes the short text an article
    undated = html.replace("<span>发布时间：2021-04-09 10:30</span>", "")
    assert generic.extract(undated, "https://www.example.gov.cn/xw/bm/t1.html").kind == "not_article"
    # nor when another block of the page is as big as the body (a teaser, a second notice)
    teaser = (
        "<div class='side'><p>" + "本站另有一则较长的通知内容，介绍了图书馆的各项服务安排" * 4 + "</p></div>"
    )
    assert generic.extract(
        html.replace('<div class="footer">', teaser + '<div class="footer">'), NOTICE_URL
    ).kind == ("not_article")


BLOG_URL = "https://blog.example.org/p/42"


def _without_comments(article) -> None:  # type: ignore[no-untyped-def]
    body = _body(article)
    assert snippet_in("八点不到就到了香山东门", body) and snippet_in("腿酸了两天", body)
    assert "停车方便吗" not in body and "网友评论" not in body and "回复" not in body
    assert [r.rule for r in article.removed].count("web:comments") == 1


def test_a_blog_post_keeps_none_of_its_reader_comments() -> None:
    """30 comments (a name, a time, a reply button, a paragraph each) under a "网友评论" heading, in the
    post's own container: together they outweigh the post; they are a comment list by their build."""
    html = _page("blog-comments-plain.html")
    article = generic.extract(html, BLOG_URL)
    assert article.kind == "article" and article.title == "周末去爬了香山"
    _without_comments(article)
    assert next(r for r in article.removed if r.rule == "web:comments").text.startswith("网友评论")
    # the buttons alone, or the heading alone, say it as well
    _without_comments(generic.extract(html.replace("<h3>网友评论（30）</h3>\n", ""), BLOG_URL))
    no_buttons = "".join(part.split("</div>\n", 1)[-1] for part in html.split('  <div class="op">'))
    assert "回复</a>" not in no_buttons and no_buttons.count('<div class="item">') == 30
    _without_comments(generic.extract(no_buttons, BLOG_URL))


def test_dated_teasers_without_a_comment_mark_stay_a_list_not_comments() -> None:
    """Items with a time but no reply button, no comment heading and no comment class are no comment
    list (a news list): nothing is cut as comments."""
    html = _page("blog-comments-plain.html").replace("<h3>网友评论（30）</h3>\n", "")
    html = "".join(part.split("</div>\n", 1)[-1] for part in html.split('  <div class="op">'))
    article = generic.extract(html, BLOG_URL)
    assert "web:comments" not in [r.rule for r in article.removed]


CHINANEWS_URL = "https://www.chinanews.com/gn/2020/03-02/9110234.shtml"
CHINANEWS_DATELINE = (
    '<div class="left-t" style="float:left;">2020年03月02日 12:10:24&nbsp;&nbsp;&nbsp;来源：'
    '<a href="http://www.chinanews.com/" class="source">中国新闻网</a>&nbsp;&nbsp;&nbsp;&nbsp;'
    '<a href="#" class="ly">参与互动</a></div>'
)
HIDDEN_TIME = '<input type="hidden" id="newstime" value="12:10:24" />'


@pytest.mark.parametrize(
    ("dateline", "hidden_time", "expected"),
    [
        (CHINANEWS_DATELINE, True, (12, 10, 24)),
        ('<div class="left-t">2020年03月02日\u300012:10:24\u3000来源：中国新闻网</div>', False, (12, 10, 24)),
        ('<div class="left-t">2020年03月02日 12:10　来源：中国新闻网</div>', False, (12, 10, 0)),
        (
            '<div class="left-t">2020年03月02日 12:10　来源：中国新闻网</div>',
            True,
            (12, 10, 24),
        ),  # seconds kept
        ('<div class="left-t">2020年03月02日 星期一 12:10 来源：中国新闻网</div>', False, (12, 10, 0)),
        ('</div><div class="d">2020年03月02日</div><div class="t">12:10:24</div><div>', False, (12, 10, 24)),
        ("", True, (12, 10, 24)),  # the day in a meta tag, the time in the hidden fields only
    ],
    ids=["dateline", "ideographic-space", "no-seconds", "hidden-seconds", "weekday", "split", "hidden-only"],
)
def test_a_chinanews_date_keeps_its_time_of_day(
    dateline: str, hidden_time: bool, expected: tuple[int, int, int]
) -> None:
    html = _page("chinanews.html")
    assert CHINANEWS_DATELINE in html and HIDDEN_TIME in html
    html = html.replace(CHINANEWS_DATELINE, dateline)
    if not hidden_time:
        html = html.replace(HIDDEN_TIME, "")
    article = generic.extract(html, CHINANEWS_URL)
    assert article.kind == "article"
    assert article.published == datetime(2020, 3, 2, *expected, tzinfo=CHINA_TZ)


def test_hidden_fields_never_date_a_page_alone() -> None:
    """A form's hidden date fields give a time to the day the page states, never a day of their own."""
    html = _page("chinanews.html").replace(CHINANEWS_DATELINE, "")
    html = html.replace('<meta name="publishdate" content="2020-03-02">', "")
    html = html.replace('value="2020-03-02"', 'value="2019-01-01"')
    article = generic.extract(html, "https://www.example.cn/news/a.shtml")
    assert article.published is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020年03月02日 12:10:24", datetime(2020, 3, 2, 12, 10, 24, tzinfo=CHINA_TZ)),
        ("2020年03月02日\u300012:10:24", datetime(2020, 3, 2, 12, 10, 24, tzinfo=CHINA_TZ)),
        ("2020年03月02日12:10", datetime(2020, 3, 2, 12, 10, tzinfo=CHINA_TZ)),
        ("2020-03-02（周一）12:10:24", datetime(2020, 3, 2, 12, 10, 24, tzinfo=CHINA_TZ)),
        ("2020年03月02日 星期一", datetime(2020, 3, 2, tzinfo=CHINA_TZ)),
    ],
)
def test_parse_china_datetime_keeps_the_time_of_day(text: str, expected: datetime) -> None:
    from scraper.sites._common import parse_china_datetime

    assert parse_china_datetime(text) == expected
    assert generic._dateline_date([text + " 来源：中国新闻网"]) == expected
