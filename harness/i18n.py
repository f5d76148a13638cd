"""Every message of the terminal summary, the progress display and report.html, in one place.

One dict per language, same keys (a test keeps them equal) but for English's singular forms
(`key.one`, chosen when n == 1). Clause quotes are the policy's own
words and stay Chinese in both; the catalogue's English statement of a clause is data, shown as it
is. The default language follows the locale (LC_ALL, LC_MESSAGES, LANG: a value starting with
`zh` means Chinese), as a certifier at the appraisal centre would expect.
"""

from __future__ import annotations

import os
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

EN: dict[str, str] = {
    "title": "sxcert certification report · 晋人社厅发〔2021〕31号",
    "verdict": "Verdict",
    "verdict.ADMIT": "ADMIT",
    "verdict.REJECT": "REJECT",
    "partial": "partial run: not valid for certification",
    "verdict_line": "Verdict: {verdict}{partial}",
    "partial_suffix": " ({partial})",
    "why.prefix": "{verdict}: ",
    "item": "{what}: {ids}",
    "colon": ": ",
    "partial.html": "Partial run (narrowed by --only, --skip-* or a re-run): the verdict covers "
    "only what ran and is <b>not valid for certification</b>.",
    "interrupted.html": "Interrupted run: it was stopped before every selected check ran; the "
    "verdict covers only what ran and is <b>not valid for certification</b>.",
    "reports_line": "Reports: {files}",
    "sep": "; ",
    "list_sep": ", ",
    # the verdict explained: one part per reason, "{n}" clauses, "{ids}" their IDs
    "why.admit": "all {n} MUST clauses in scope pass",
    "why.admit_attested": "{n} ATTEST clauses are attested",
    "why.fail": "{n} MUST clauses fail ({ids})",
    "why.error": "{n} MUST clauses could not be judged ({ids})",
    "why.not_attested": "{n} ATTEST clauses are not attested ({ids})",
    "why.no_check": "{n} MUST clauses have no check in this version",
    "why.not_run": "{n} MUST clauses were not run ({ids})",
    "why.should": "{n} SHOULD clauses do not pass (reported, not rejecting) ({ids})",
    # English needs the singular (".one", used when n == 1); Chinese does not
    "why.admit.one": "the one MUST clause in scope passes",
    "why.admit_attested.one": "1 ATTEST clause is attested",
    "why.fail.one": "1 MUST clause fails ({ids})",
    "why.error.one": "1 MUST clause could not be judged ({ids})",
    "why.not_attested.one": "1 ATTEST clause is not attested ({ids})",
    "why.no_check.one": "1 MUST clause has no check in this version",
    "why.not_run.one": "1 MUST clause was not run ({ids})",
    "why.should.one": "1 SHOULD clause does not pass (reported, not rejecting) ({ids})",
    "reason.fail": "fail",
    "reason.error": "could not be judged (error)",
    "reason.not_attested": "not attested",
    "reason.no_check": "no check in this version",
    "reason.not_run": "not run",
    "reason.should": "SHOULD, does not pass (does not reject)",
    "status.pass": "pass",
    "status.fail": "fail",
    "status.error": "error",
    "status.not_run": "not run",
    "status.attested": "attested",
    "status.not_attested": "not attested",
    "status.flaky": "flaky",
    # terminal
    "col.clause": "clause",
    "col.level": "level",
    "col.status": "status",
    "col.checks": "checks",
    "col.finding": "first finding",
    "label.done": "done",
    "label.happened": "happened",
    "label.received": "received",
    "label.expected": "expected",
    "thresholds.all_default": "Thresholds: all defaults",
    "thresholds.non_default": "Non-default thresholds",
    "threshold_changed": "{name} = {value} (default {default})",
    "version_line": "sxcert {version} · profile sha256 {profile}",
    "no_profile": "none (embedded reference)",
    # progress
    "progress.checks": "checks",
    "progress.done_line": "[{done}/{total} checks, {elapsed}] {clause} {level} {status}",
    # report.html
    "html.contents": "Contents",
    "html.summary": "Summary by section",
    "html.why": "Why this verdict",
    "html.clauses": "Clauses",
    "html.run": "This run",
    "html.thresholds": "Thresholds used",
    "html.threshold": "threshold",
    "html.value": "value",
    "html.default": "default",
    "html.non_default": "non-default",
    "html.section": "section",
    "html.total": "total",
    "html.platform_id": "Platform id",
    "html.driver": "Learner driver",
    "html.province": "Province",
    "html.embedded": "Embedded reference",
    "html.defects": "defects",
    "html.none": "none",
    "html.started": "Started / finished",
    "html.duration": "Duration",
    "html.version": "sxcert version",
    "html.profile_sha256": "Profile sha256",
    "html.counts": "Clauses",
    "html.out_of_scope": "outside this run's scope",
    "html.reading": "Reading",
    "html.attestation": "Attestation",
    "html.no_check": "No check covers this clause yet.",
    "html.check": "check",
    "html.kind": "kind",
    "html.status": "status",
    "html.finding": "finding",
    "html.time": "time",
    "html.evidence": "evidence",
    "html.done": "What was done",
    "html.expected": "Expected",
    "html.happened": "What happened",
    "html.checks_time": "Time in checks",
    "html.instances": "side by side on {n} embedded instances",
    "html.durations": "Check durations, slowest first",
}

ZH: dict[str, str] = {
    "title": "sxcert 认证报告 · 晋人社厅发〔2021〕31号",
    "verdict": "结论",
    "verdict.ADMIT": "ADMIT（准予纳入）",
    "verdict.REJECT": "REJECT（不予纳入）",
    "partial": "部分运行：不能作为认证依据",
    "verdict_line": "结论：{verdict}{partial}",
    "partial_suffix": "（{partial}）",
    "why.prefix": "{verdict}：",
    "item": "{what}：{ids}",
    "colon": "：",
    "partial.html": "部分运行（由 --only、--skip-* 或重跑限定）：结论只涵盖已运行的部分，"
    "<b>不能作为认证依据</b>。",
    "interrupted.html": "运行被中断：并非所有选定的检查都已运行；结论只涵盖已运行的部分，"
    "<b>不能作为认证依据</b>。",
    "reports_line": "报告：{files}",
    "sep": "；",
    "list_sep": "、",
    "why.admit": "范围内全部 {n} 项 MUST 条款通过",
    "why.admit_attested": "{n} 项 ATTEST 条款已核验",
    "why.fail": "{n} 项 MUST 条款不通过（{ids}）",
    "why.error": "{n} 项 MUST 条款无法判定（{ids}）",
    "why.not_attested": "{n} 项 ATTEST 条款未经核验（{ids}）",
    "why.no_check": "{n} 项 MUST 条款在本版本中尚无检查",
    "why.not_run": "{n} 项 MUST 条款未运行（{ids}）",
    "why.should": "{n} 项 SHOULD 条款未通过（仅报告，不影响结论）（{ids}）",
    "reason.fail": "不通过",
    "reason.error": "无法判定（错误）",
    "reason.not_attested": "未经核验",
    "reason.no_check": "本版本尚无检查",
    "reason.not_run": "未运行",
    "reason.should": "SHOULD 条款未通过（不影响结论）",
    "status.pass": "通过",
    "status.fail": "不通过",
    "status.error": "错误",
    "status.not_run": "未运行",
    "status.attested": "已核验",
    "status.not_attested": "未核验",
    "status.flaky": "不稳定",
    "col.clause": "条款",
    "col.level": "级别",
    "col.status": "状态",
    "col.checks": "检查",
    "col.finding": "首个发现",
    "label.done": "操作",
    "label.happened": "结果",
    "label.received": "收到",
    "label.expected": "预期",
    "thresholds.all_default": "阈值：全部为默认值",
    "thresholds.non_default": "非默认阈值",
    "threshold_changed": "{name} = {value}（默认 {default}）",
    "version_line": "sxcert {version} · 配置文件 sha256 {profile}",
    "no_profile": "无（内置参考平台）",
    "progress.checks": "项检查",
    "progress.done_line": "[{done}/{total} 项检查，{elapsed}] {clause} {level} {status}",
    "html.contents": "目录",
    "html.summary": "分节汇总",
    "html.why": "结论依据",
    "html.clauses": "条款",
    "html.run": "本次运行",
    "html.thresholds": "所用阈值",
    "html.threshold": "阈值",
    "html.value": "取值",
    "html.default": "默认值",
    "html.non_default": "非默认",
    "html.section": "章节",
    "html.total": "合计",
    "html.platform_id": "平台标识",
    "html.driver": "学员驱动",
    "html.province": "省级服务",
    "html.embedded": "内置参考平台",
    "html.defects": "缺陷",
    "html.none": "无",
    "html.started": "开始 / 结束",
    "html.duration": "用时",
    "html.version": "sxcert 版本",
    "html.profile_sha256": "配置文件 sha256",
    "html.counts": "条款",
    "html.out_of_scope": "不在本次运行范围内",
    "html.reading": "解读",
    "html.attestation": "核验记录",
    "html.no_check": "本版本尚无检查覆盖此条款。",
    "html.check": "检查",
    "html.kind": "类型",
    "html.status": "状态",
    "html.finding": "发现",
    "html.time": "用时",
    "html.evidence": "证据",
    "html.done": "所做操作",
    "html.expected": "预期",
    "html.happened": "实际结果",
    "html.checks_time": "检查用时",
    "html.instances": "由 {n} 个内置实例并行执行",
    "html.durations": "各项检查用时（从长到短）",
}

MESSAGES: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}


def default_lang(environ: dict[str, str] | None = None) -> Lang:
    """The locale's language, as POSIX ranks the variables: the first one set decides."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


class Messages:
    """The messages of one language: `t("why.fail", n=2, ids="…")`."""

    def __init__(self, lang: str) -> None:
        if lang not in MESSAGES:
            raise ValueError(f"unknown language {lang!r} (choose zh or en)")
        self.lang = lang
        self.table = MESSAGES[lang]

    def __call__(self, key: str, **values: object) -> str:
        if values.get("n") == 1 and f"{key}.one" in self.table:
            key = f"{key}.one"
        return self.table[key].format(**values) if values else self.table[key]

    def ids(self, ids: list[str]) -> str:
        return self.table["list_sep"].join(ids)
