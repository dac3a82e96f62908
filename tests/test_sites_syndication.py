"""Adapters of the syndication sites: NetEase (163), Sina, Sohu, Toutiao, Baijiahao, ifeng, The Paper.

Each page in ``tests/fixtures/sites/`` was written for these tests: it imitates one layout of its site
(the containers, the chrome around and inside the body, the embedded JS data) with invented text. The
tests go through the public ``scraper.extract(bytes, url)`` path, so decoding, the adapter registry,
the boilerplate engine and the Markdown converter all take part; they assert what a user gets.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper import extract
from scraper.errors import ConfigError
from scraper.html import plain_text
from scraper.models import Article
from scraper.sites import adapter_for
from scraper.sites._newsbase import (
    byline_names,
    clean_source,
    compile_rules,
    content_record,
    credit_box,
    inline_byline,
    paragraphs_from_breaks,
    parse_when,
    site_rules,
    source_from_dateline,
    strip_title_suffix,
)

FIXTURES = Path(__file__).parent / "fixtures" / "sites"
SITES = ("163", "sina", "sohu", "toutiao", "baijiahao", "ifeng", "thepaper")


def page(name: str, url: str, encoding: str | None = None) -> Article:
    """Extract a fixture as raw bytes, re-encoded (GBK pages) when ``encoding`` is given."""
    data = (FIXTURES / name).read_bytes()
    if encoding:
        data = data.decode("utf-8").encode(encoding)
    return extract(data, url)


def text(article: Article) -> str:
    return plain_text(article.body_markdown)


def blocks(article: Article) -> list[str]:
    return [b.strip() for b in article.body_markdown.split("\n\n") if b.strip()]


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def rules_of(article: Article) -> set[str]:
    return {r.rule for r in article.removed}


# --- registry -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.163.com/dy/article/G9ABCDEF05148UF9.html", "163"),
        ("https://dy.163.com/v2/article/detail/EFDAIN1E054550F0.html", "163"),
        ("https://news.163.com/19/0907/09/EOFBHDHQ0001899N.html", "163"),
        ("https://money.163.com/19/0907/13/EOFOC8MJ00258105.html", "163"),
        ("http://biz.163.com/41210/1/17867KR700020QBK.html", "163"),
        ("https://news.sina.com.cn/c/2019-11-25/doc-iihnzahi3275702.shtml", "sina"),
        ("https://news.sina.cn/gn/2019-11-25/detail-iihnzahi3275702.d.html", "sina"),
        ("https://k.sina.com.cn/article_1234567890_abcdef0001234.html", "sina"),
        ("http://bj.house.sina.com.cn/p/2005-03-31/031868306.html", "sina"),
        ("https://www.sohu.com/a/434365209_123753", "sohu"),
        ("http://business.sohu.com/20050311/n224643115.shtml", "sohu"),
        ("https://www.toutiao.com/a6734577895106150924/", "toutiao"),
        ("https://www.toutiao.com/article/7095000000000000789/", "toutiao"),
        ("https://www.toutiao.com/i6760000000000000456/", "toutiao"),
        ("https://baijiahao.baidu.com/s?id=1646796218135408573", "baijiahao"),
        ("https://news.ifeng.com/c/7rtKNyg6PU9", "ifeng"),
        ("http://nb.ifeng.com/a/20200911/14526474_0.shtml", "ifeng"),
        ("https://www.thepaper.cn/newsDetail_forward_4506347", "thepaper"),
        ("https://www.thepaper.cn/detail/25000001", "thepaper"),
        ("https://m.thepaper.cn/newsDetail_forward_4506347", "thepaper"),
    ],
)
def test_every_url_form_reaches_its_adapter(url: str, site: str) -> None:
    assert adapter_for(url).name == site


@pytest.mark.parametrize("site", SITES)
def test_rule_packs_compile_and_their_selectors_parse(site: str) -> None:
    rules = site_rules(site)
    assert rules.site == site and rules.body and rules.title
    tree = LexborHTMLParser("<div><p>x</p></div>")
    for css in (*rules.body, *rules.drop, *rules.original_title, *rules.credit_boxes):
        tree.css(css)  # raises on a selector lexbor cannot parse


def test_rule_pack_errors_name_the_file_and_key() -> None:
    with pytest.raises(ConfigError, match=r"config/sites/x\.toml \[selectors\]: bodyy"):
        compile_rules("x", {"selectors": {"bodyy": ["#a"]}})
    with pytest.raises(ConfigError, match="invalid pattern"):
        compile_rules("x", {"selectors": {"deleted": ["(unclosed"]}})
    with pytest.raises(ConfigError, match="list of strings"):
        compile_rules("x", {"selectors": {"body": "#a"}})


# --- NetEase ------------------------------------------------------------------------------------------


def test_163_channel_article_metadata_and_chrome() -> None:
    a = page("163-news.html", "https://news.163.com/21/0305/21/G4ABCDEF0001899O.html")
    assert (a.site, a.kind) == ("163", "article")
    # og:title stops at the first ASCII quote; the h1 carries the whole headline
    assert a.title == '港口城市试点"夜间书店" 市民读到凌晨'
    assert a.published == at("2021-03-05T21:07:33+08:00")
    assert (a.account, a.source) == ("海滨晚报", "海滨晚报")
    assert a.author == "林小舟"  # from "海滨晚报讯（记者 林小舟）" in the lede, which stays in the text
    assert a.article_id == "G4ABCDEF0001899O"
    assert a.extra["original_title"] == "夜里十点以后，书店还亮着灯"
    body = text(a)
    assert "海滨晚报讯（记者 林小舟）本周起，市区三家书店把营业时间延长到凌晨一点" in body
    assert "据介绍，夜间时段由志愿者协助值守" in body
    assert "## 夜读空间如何运转" in a.body_markdown
    assert "夜间读者以附近的年轻上班族为主" in a.body_markdown  # the site's keyword link is unwrapped
    for chrome in ("原标题", "您的浏览器暂时无法播放此视频", "延伸", "另一座城市的社区图书角开张", "相关新闻一",
                   "本文来源", "责任编辑", "分享到", "用微信扫码二维码", "网友评论仅供其表达个人看法"):  # fmt: skip
        assert chrome not in body
    assert [i.url for i in a.images] == ["https://cms-bucket.ws.126.net/2021/0305/night-shop.jpg"]
    assert {
        "site:163:drop:.ep-source",
        "site:163:drop:.related_article",
        "site:163:original-title",
    } <= rules_of(a)


def test_163_dy_post_declared_gb2312_but_utf8() -> None:
    a = page("163-dy.html", "https://www.163.com/dy/article/G9ABCDEF05148UF9.html")
    assert a.title == "山区小学的第一间天文教室"
    assert a.published == at("2020-11-02T08:15:09+08:00")  # data-ptime; the dateline shows the day only
    assert a.account == "星空科普站"
    body = text(a)
    assert "老师说，最受欢迎的是木星的卫星" in body
    assert "来源：县融媒体中心" not in body and "特别声明" not in body and "Notice" not in body
    assert [i.url for i in a.images] == ["http://dingyue.ws.126.net/2020/1102/dome.jpg"]


def test_163_current_layout_credit_footer_gives_author_not_editor() -> None:
    a = page("163-post.html", "https://www.163.com/news/article/H2K3M4N50001899O.html")
    assert a.title == "河道清淤完成 老码头重新通航"
    assert a.published == at("2022-07-14T06:41:02+08:00")
    assert (a.account, a.author) == ("江城日报", "李一")
    assert a.canonical_url == "https://www.163.com/news/article/H2K3M4N50001899O.html"
    body = text(a)
    assert body.startswith("历时四个月的河道清淤工程近日完工")
    assert "附近居民表示" in body and "张三" not in body and "分享" not in body
    assert [i.url for i in a.images] == ["https://nimg.ws.126.net/2022/0714/boat.png"]


def test_163_photo_set_is_a_picshare() -> None:
    a = page("163-photoview.html", "https://news.163.com/photoview/00AP0001/2304567.html", "gbk")
    assert (a.kind, a.title, a.account) == ("picshare", "湿地公园迎来候鸟", "湖畔日报")
    assert a.published == at("2020-12-01T09:12:40+08:00")
    assert [i.url for i in a.images] == [
        "http://pic-bucket.ws.126.net/photo/0001/2020-12-01/bird01.jpg",
        "http://pic-bucket.ws.126.net/photo/0001/2020-12-01/bird02.jpg",
    ]
    assert [b for b in blocks(a) if not b.startswith("![")] == [
        "一群白鹭在浅滩觅食。",
        "观鸟爱好者架起长焦镜头。",
    ]
    assert "上一张" not in text(a) and "相关图集" not in text(a)


def test_163_missing_page_is_deleted_and_index_is_not_an_article() -> None:
    url = "https://news.163.com/22/0101/01/ZZZZZZZZ0001899O.html"
    gone = page("163-404.html", url)
    assert gone.kind == "deleted" and url in (gone.error or "") and gone.body_markdown == ""
    index = page("163-index.html", "https://news.163.com/")
    assert index.kind == "not_article" and "https://news.163.com/" in (index.error or "")


def test_unknown_layout_on_an_article_url_falls_back_to_paragraph_density() -> None:
    a = page("unknown-163-layout.html", "https://news.163.com/23/0203/12/HTUVWXYZ0001899O.html")
    assert a.kind == "article" and a.site == "163"
    assert a.title == "一条没有已知容器的新闻"
    assert a.published == at("2023-02-03T12:00:00+08:00") and a.account == "山城快讯"
    body = text(a)
    assert "改版后的页面换了一套类名" in body and "它就是正文" in body
    assert "推荐一" not in body and "体育" not in body


# --- Sina ---------------------------------------------------------------------------------------------


def test_sina_2019_article() -> None:
    url = "https://news.sina.com.cn/s/2020-06-18/doc-iircuyvi9876543.shtml"
    a = page("sina-2019.html", url)
    assert (a.site, a.title) == ("sina", "旧厂房改成的攀岩馆开放")
    # the meta time, not the dateline's earlier print time (08:02)
    assert a.published == at("2020-06-18T10:26:41+08:00")
    assert (a.account, a.source) == ("城市快报", "城市快报")
    assert a.article_id == "iircuyvi9876543"
    assert a.extra["original_title"] == "废弃车间变身运动场"
    body = text(a)
    assert body.startswith("一座闲置多年的纺织厂车间")
    assert "改造后的攀岩墙高十八米（受访者供图）" in body  # the caption
    assert "初学者也能找到合适的线路" in body
    assert "运营方某某体育表示，周末将延长开放时间。" in body  # the stock quote widget goes, the name stays
    assert "运营方某某体育表示" in a.body_markdown  # and its auto-link to the quote page is unwrapped
    for chrome in ("原标题", "视频-攀岩馆开放首日", "相关新闻", "老厂区改造的三种思路", "此前报道",
                   "纺织厂旧址将对外招商", "点击进入专题", "责任编辑", "文章关键词", "更多猛料", "条评论"):  # fmt: skip
        assert chrome not in body
    assert [i.url for i in a.images] == ["https://n.sinaimg.cn/news/crawl/20200618/wall.jpg"]
    assert "news:related-links" in rules_of(a)


def test_sina_mobile_url_names_the_same_article() -> None:
    desktop = page("sina-2019.html", "https://news.sina.com.cn/s/2020-06-18/doc-iircuyvi9876543.shtml")
    mobile = page("sina-2019.html", "https://news.sina.cn/sh/2020-06-18/detail-iircuyvi9876543.d.html")
    assert mobile.site == "sina" and mobile.article_id == desktop.article_id == "iircuyvi9876543"


def test_sina_2005_gbk_table_layout() -> None:
    a = page("sina-2005.html", "http://bj.house.sina.com.cn/p/2005-04-02/0745123456.html", "gbk")
    assert a.title == "社区菜场试行夜市 摊主多卖两小时"
    assert a.published == at("2005-04-02T07:45:00+08:00")
    assert a.account == "都市早报"  # what follows the date on the dateline
    assert a.author == "钱七"  # "(记者 钱七)" closing the last paragraph
    body = text(a)
    assert "摊主老周算了一笔账：晚上多卖两小时，一天能多出三四十元收入。" in body
    assert "社区表示将限制喇叭叫卖" in body
    assert "评论" not in body and "Copyright" not in body and "新浪首页" not in body
    assert a.images == ()  # the ad slot's iframe table is gone


def test_sina_blog_post() -> None:
    a = page("sina-blog.html", "http://blog.sina.com.cn/s/blog_4995a9f20102e8xy.html")
    assert (a.site, a.kind, a.title) == ("sina", "article", "读书笔记：城市的记忆")
    assert a.published == at("2012-05-03T10:22:33+08:00")
    assert a.author == "张三"  # the blog's owner
    assert (
        blocks(a)[0] == "最近读完了一本关于城市记忆的书，作者从老街巷写起，一直写到新区的高楼，读来颇有感触。"
    )
    assert (
        blocks(a)[-1]
        == "作者最后写道：记住一座城市，不是记住它的样子，而是记住在那里生活过的人。这句话，我会一直记得。"
    )
    body = text(a)
    for chrome in ("标签", "分享", "阅读", "前一篇", "春日游园记", "博客等级", "评论", "Copyright"):
        assert chrome not in body, chrome


# --- Sohu ---------------------------------------------------------------------------------------------


def test_sohu_account_article_keeps_the_folded_half() -> None:
    a = page("sohu-a.html", "https://www.sohu.com/a/512345678_120001")
    assert (a.site, a.title) == ("sohu", "高铁站里的共享琴房")
    assert a.published == at("2021-12-06T17:20:47+08:00")  # data-val milliseconds, seconds included
    assert (a.account, a.source) == ("晨光都市报", "晨光都市报")
    assert a.author == "孙八"
    assert a.article_id == "512345678_120001"
    assert a.canonical_url == "https://www.sohu.com/a/512345678_120001"  # og:url had no scheme
    assert a.extra["original_title"] == "候车时弹一曲"
    body = text(a)
    assert "在南站候车大厅的一角" in body
    assert "也有孩子在这里完成了第一次公开演奏" in body  # behind 展开全文: real body
    for chrome in ("展开全文", "返回搜狐", "编辑:周九", "责任编辑", "声明", "车站琴房实拍", "原标题"):
        assert chrome not in body
    assert [i.url for i in a.images] == ["https://p3.itc.cn/images01/20211206/piano.jpeg"]


def test_sohu_2005_channel_page() -> None:
    a = page("sohu-2005.html", "http://business.sohu.com/20050604/n225000001.shtml", "gb18030")
    assert a.title == "城郊农场推出周末采摘票"
    assert a.published == at("2005-06-04T09:30:00+08:00")
    assert a.account == "江南商报"  # 来源：[ 江南商报 ]
    assert a.article_id == "225000001"
    assert blocks(a)[0] == "城郊三家农场联合推出周末采摘票，一张票可以在三家农场各采摘两斤时令水果。"
    body = text(a)
    assert "儿童身高一米二以下免票" in body
    for chrome in ("理财", "基金入门", "发送CJ到1234", "责任编辑", "搜狐首页"):
        assert chrome not in body
    assert "news:link-box" in rules_of(a)


# --- Toutiao ------------------------------------------------------------------------------------------


def test_toutiao_body_rebuilt_from_base_data() -> None:
    a = page("toutiao-basedata.html", "https://www.toutiao.com/a6800000000000000123/")
    assert (a.site, a.kind, a.title) == ("toutiao", "article", "河堤夜跑团：每周两次，风雨无阻")
    assert a.published == at("2020-04-11T20:35:12+08:00")
    assert (a.account, a.author) == ("江畔晚报", "周小雨")
    assert a.article_id == "6800000000000000123"
    assert a.canonical_url == "https://www.toutiao.com/article/6800000000000000123/"
    assert blocks(a)[0] == "晚上八点，河堤上的路灯一盏盏亮起，夜跑的人多了起来。"
    assert "最远一次跑了二十公里" in text(a) and "采写" not in text(a)
    assert [(i.url, i.alt) for i in a.images] == [("http://p3.pstatp.com/large/pgc-image/run01", "夜跑")]


def test_toutiao_gallery_is_a_picshare() -> None:
    a = page("toutiao-gallery.html", "https://www.toutiao.com/i6760000000000000456/")
    assert (a.kind, a.title, a.account) == ("picshare", "银杏大道的落叶不扫了", "城事图集")
    assert a.published == at("2019-11-20T07:58:00+08:00")
    assert [i.url for i in a.images] == [
        "http://p1.pstatp.com/origin/pgc-image/leaf01",
        "http://p1.pstatp.com/origin/pgc-image/leaf02",
    ]
    assert [b for b in blocks(a) if not b.startswith("![")] == [
        "第一张：清晨的银杏大道，落叶铺满了人行道。",
        "第二张：环卫工人特意留下一段不扫，供市民拍照。",
    ]
    assert "相关推荐" not in text(a) and "另一组图片的标题" not in text(a)


def test_toutiao_2021_layout_lazy_image() -> None:
    a = page("toutiao-2021.html", "https://www.toutiao.com/article/7095000000000000789/")
    assert a.title == "老街修缮后的第一个周末"
    assert a.published == at("2022-05-08T18:22:00+08:00")
    assert a.account == "古城日报"
    assert [i.url for i in a.images] == ["https://p3-sign.toutiaoimg.com/tos-cn-i/street01~noop.image"]
    body = text(a)
    assert "修缮后的老街入口" in body and "高峰时段每十分钟放行一批游客" in body
    assert "老街 修缮 古城" not in body and "相关推荐" not in body


def test_toutiao_render_data_when_the_dom_is_empty() -> None:
    a = page("toutiao-render-data.html", "https://www.toutiao.com/article/7234000000000000001/")
    assert (a.kind, a.title, a.account) == ("article", "水库放流：三十万尾鱼苗入库", "湖区新闻")
    assert a.published == at("2023-05-17T16:00:00+08:00")  # unix seconds, in China time
    assert blocks(a) == [
        "昨天上午，三十万尾鲢鳙鱼苗被放入水库，用来净化水质。",
        "工作人员说，这些鱼以藻类为食，不投喂饲料。",
    ]


TOUTIAO_LATE_ARTICLE_INFO = """<html><head><meta charset="utf-8"><title></title></head><body>
<script>var BASE_DATA = {
    mediaInfo: {name: '江畔晚报'},
    articleInfo: {tagInfo: {title: '不是标题', content: '<p>标签</p>'}}
  }
  BASE_DATA.articleInfo = {
    title: '&quot;&quot;夜跑&quot;成了新习惯&quot;'.slice(6, -6),
    content: '&quot;\\u003Cp\\u003E晚上八点，河堤上的路灯一盏盏亮起，夜跑的人多了起来。他们沿着河堤慢慢跑，\\
一边跑一边聊天，跑完再一起去吃宵夜。\\u003C\\u002Fp\\u003E&quot;'.slice(6, -6),
    subInfo: {time: '2020-04-11 20:35:12'}
  }
</script></body></html>"""


def test_toutiao_base_data_is_evaluated_as_the_page_evaluates_it() -> None:
    # the page's own slice(6, -6) cuts the &quot; wrapper once: a headline in quotes keeps them; the
    # record is the articleInfo the script builds (a later assignment here), not the first "title:"
    a = extract(TOUTIAO_LATE_ARTICLE_INFO, "https://www.toutiao.com/a6800000000000000777/")
    assert (a.kind, a.title, a.account) == ("article", '"夜跑"成了新习惯', "江畔晚报")
    assert a.published == at("2020-04-11T20:35:12+08:00")
    # a backslash at a line end continues the JS string: no line break is left in the sentence
    assert blocks(a) == [
        "晚上八点，河堤上的路灯一盏盏亮起，夜跑的人多了起来。他们沿着河堤慢慢跑，一边跑一边聊天，跑完再一起去吃宵夜。"
    ]


def test_one_walk_finds_the_article_record_in_page_json() -> None:
    data = {
        "props": {
            "related": [{"content": "<p>另一篇</p>", "name": None}],
            "detail": {"contentDetail": {"name": "标题", "content": "<p>正文</p>", "pubTime": "2023-10-20"}},
        }
    }
    assert content_record(data, ("name", "title")) == data["props"]["detail"]["contentDetail"]
    assert content_record(data, ("title",)) is None  # Toutiao's records are titled "title"
    assert content_record([{"content": "no html", "title": "x"}], ("title",)) is None


def test_toutiao_empty_shell_is_not_an_article() -> None:
    url = "https://www.toutiao.com/a6800000000000000999/"
    a = page("toutiao-shell.html", url)
    assert a.kind == "not_article" and url in (a.error or "") and a.body_markdown == ""


# --- Baijiahao ----------------------------------------------------------------------------------------


def test_baijiahao_article() -> None:
    a = page("baijiahao.html", "https://baijiahao.baidu.com/s?id=1675600000000000001")
    assert (a.site, a.title) == ("baijiahao", "一位修表匠的四十年")
    assert a.published == at("2020-08-21T15:03:27+08:00")  # the dateline has no year; the meta does
    # the dateline ends with the account's verification label: not a source
    assert (a.account, a.source) == ("钟表故事会", "钟表故事会")
    assert a.article_id == "1675600000000000001"
    body = text(a)
    assert "老吴的修表摊开在巷口" in body and "从学徒到师傅" in body
    assert "相关搜索" not in body and "作者最新文章" not in body and "Baidu" not in body
    assert [i.url for i in a.images] == ["https://pics1.baidu.com/feed/watch01.jpeg"]


def test_baijiahao_verification_page_is_rate_limited() -> None:
    url = "https://baijiahao.baidu.com/s?id=1675600000000000002"
    a = page("baijiahao-captcha.html", url)
    assert a.kind == "rate_limited" and url in (a.error or "")


# --- ifeng --------------------------------------------------------------------------------------------


def test_ifeng_react_page_body_from_doc_data() -> None:
    a = page("ifeng-react.html", "https://news.ifeng.com/c/8AbCdEfGh12")
    assert (a.site, a.title) == ("ifeng", "夜市摊主的二维码收款牌")
    # docData.newsTime; allData's other entries describe recommended articles
    assert a.published == at("2021-09-30T19:45:10+08:00")
    assert (a.account, a.source) == ("南城观察", "南城观察")  # not the "来自广东" location
    assert a.author == "陈某某" and a.extra["editor"] == "郑某"
    assert a.article_id == "8AbCdEfGh12"
    body = text(a)
    assert "夜市里几乎每个摊位都挂着一块收款牌" in body and "零钱反倒成了稀罕物" in body
    assert "作者" not in body and "特别声明" not in body
    assert [i.url for i in a.images] == ["https://x0.ifengimg.com/res/2021/qrcode-stand.jpeg"]


def test_ifeng_old_regional_layout() -> None:
    a = page("ifeng-old.html", "http://nb.ifeng.com/a/20180516/6581234_0.shtml")
    assert a.title == "渡口的最后一班轮渡"
    assert a.published == at("2018-05-16T07:30:00+08:00")
    assert a.account == "甬江日报" and a.article_id == "6581234"
    body = text(a)
    assert "运营了六十年的老渡口将于本月底停航" in body
    assert "责任编辑" not in body and "标签" not in body and "用微信扫描二维码" not in body


# --- The Paper ----------------------------------------------------------------------------------------


def test_thepaper_byline_and_br_separated_lines() -> None:
    a = page("thepaper.html", "https://www.thepaper.cn/newsDetail_forward_14800001")
    assert (a.site, a.title) == ("thepaper", "社区食堂开进老小区")
    assert a.published == at("2021-10-12T11:24:00+08:00")
    assert (a.author, a.account) == ("何某某", "城市晨报")  # "何某某/城市晨报"
    assert a.article_id == "14800001"
    assert a.summary == "老小区里的社区食堂开业一个月，每天接待老人三百多人次。"
    # each <br>-separated line is its own paragraph
    assert "社区食堂开业一个月，每天接待老人三百多人次，一荤两素的套餐售价十二元。" in blocks(a)
    assert "*食堂午餐时段。受访者供图*" in blocks(a)  # a caption, in the one caption style
    body = text(a)
    assert "现在每天中午下楼就能吃上热饭" in body
    assert "本文来自澎湃新闻" not in body and "责任编辑" not in body and "报料" not in body


def test_thepaper_agency_byline_is_the_media_and_the_font_control_no_source() -> None:
    a = page("thepaper-agency.html", "https://www.thepaper.cn/newsDetail_forward_5400001")
    assert (a.author, a.account, a.source) == (None, "新华社", "新华社")
    assert a.published == at("2020-01-10T18:13:00+08:00")
    assert blocks(a) == [
        "春运首日，全国铁路发送旅客九百万人次，客流总体平稳。",
        "各地车站增开临时窗口，重点旅客服务延伸到站台。",
    ]


def test_thepaper_account_post_drops_the_wechat_footer() -> None:
    a = page("thepaper-paike.html", "https://www.thepaper.cn/newsDetail_forward_6300001")
    assert a.title == "城区新增五条公交微循环线..."  # the site's own truncation is the title
    assert (a.account, a.source) == ("某某交通发布", "某某交通发布")
    assert a.extra["original_title"] == "城区新增五条公交微循环线，覆盖十二个小区"
    assert blocks(a) == [
        "下周一起，城区新增五条公交微循环线，单程票价一元。",
        "微循环线使用小型电动客车，高峰期每八分钟一班。",
    ]


def test_thepaper_next_data_when_the_dom_is_empty() -> None:
    a = page("thepaper-next.html", "https://www.thepaper.cn/newsDetail_forward_25000001")
    assert (a.title, a.author, a.account) == ("地铁末班车延后半小时", "韩某某", "澎湃新闻")
    assert a.published == at("2023-10-20T18:30:00+08:00")
    assert "延时服务先试行三个月" in text(a)
    assert [i.url for i in a.images] == ["https://imagecloud.thepaper.cn/thepaper/image/metro.jpg"]


def test_thepaper_deleted_notice() -> None:
    url = "https://www.thepaper.cn/newsDetail_forward_9999999"
    a = page("thepaper-deleted.html", url)
    assert a.kind == "deleted" and url in (a.error or "")


# --- shared helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019-09-07T13:43:45+08:00", "2019-09-07T13:43:45+08:00"),
        ("2019年09月11日01:53", "2019-09-11T01:53:00+08:00"),
        ("1606349088000", "2020-11-26T08:04:48+08:00"),
        ("1606349088", "2020-11-26T08:04:48+08:00"),
        ("发布时间：2020-01-14 17:58", "2020-01-14T17:58:00+08:00"),
    ],
)
def test_parse_when(raw: str, expected: str) -> None:
    assert parse_when(raw) == at(expected)


def test_parse_when_needs_a_year_hint_for_month_day() -> None:
    assert parse_when("发布时间：10-08 12:00") is None
    assert parse_when("发布时间：10-08 12:00", year_hint=2019) == at("2019-10-08T12:00:00+08:00")
    assert parse_when("123") is None and parse_when("9999999999") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("来源：[ 人民网 ]", "人民网"),
        ("来源: 新京报 作者：张三", "新京报"),
        ("【来源：半岛都市报】", "半岛都市报"),
        ("来自北京", ""),
        ("2019-09-09 16:01:46", ""),
        ("字号 超大 大 标准 小", ""),  # a font-size control after the date is no media
        ("新华社 字号", "新华社"),
    ],
)
def test_clean_source(raw: str, expected: str) -> None:
    assert clean_source(raw) == expected


def test_source_from_dateline() -> None:
    assert source_from_dateline("http://house.sina.com.cn 2005年03月31日03:18 北京娱乐信报") == "北京娱乐信报"
    assert source_from_dateline("2019-05-17 · 苏皖城市报道") == "苏皖城市报道"
    assert source_from_dateline("AUTO.SOHU.COM 2005年05月13日14:15") == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("石佳/中国青年报", "石佳"),
        ("澎湃新闻记者 贺梨萍", "贺梨萍"),
        ("作者：上官云 宋宇晟", "上官云 宋宇晟"),
        ("新京报记者 彭冲 山东冠县报道", "彭冲"),
        ("责任编辑：刘欢", ""),
        ("这是一句很长的正文，不是署名。", ""),
        ("新华社", ""),  # a media on the byline line is no person
        ("张三 新华社", "张三"),
    ],
)
def test_byline_names(raw: str, expected: str) -> None:
    assert byline_names(raw) == expected


def test_inline_byline_head_and_tail() -> None:
    assert inline_byline(["新京报快讯（记者 裴剑飞）今日有网友爆料。", "正文。"]) == "裴剑飞"
    assert inline_byline(["本报讯（记者 张三、李四 通讯员 王五）昨日，……", "正文。"]) == "张三 李四 王五"
    tail = "今年天猫联合蜂鸟在上海、杭州首次推出最快一小时达业务，可以分期免息。(李楠)"
    assert inline_byline(["第一段。", tail]) == "李楠"
    # a caption credit or an agency in brackets is not a byline
    assert (
        inline_byline(["第一段。", "自2007年起已陆续修建了400多座运动场，覆盖全市各区。（视觉中国）"]) == ""
    )
    assert inline_byline(["短图注（李楠）"]) == ""


def test_credit_box_never_takes_the_editor() -> None:
    assert credit_box("本文来源：江城日报 作者：李一 责任编辑：张三_NBJ5678") == {
        "author": "李一",
        "source": "江城日报",
    }
    assert credit_box("本文来源：新京报 责任编辑：史建磊_NBJ11331") == {"source": "新京报"}


def test_title_suffixes() -> None:
    rules = site_rules("sina")
    assert (
        strip_title_suffix("苹果发布新品|苹果|新品_电信_新浪科技_新浪网", rules.title_suffixes)
        == "苹果发布新品"
    )


def test_paragraphs_from_breaks_keeps_blocks_and_inline_markup() -> None:
    tree = LexborHTMLParser(
        "<div id=b>一行<b>加粗</b><br>二行<br><div class=x><img src=a.jpg></div>三行</div>"
    )
    node = tree.css_first("#b")
    assert node is not None
    out = paragraphs_from_breaks(node)
    assert [p.text() for p in out.css("p")] == ["一行加粗", "二行", "三行"]
    assert out.css_first("div.x img") is not None
    assert out.css_first("p b") is not None
