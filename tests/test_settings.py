"""The one settings object: defaults, PA_* overrides (grouped ones too), and a clear line for a bad value."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from assistant.core.errors import ConfigError
from assistant.core.settings import AnswerTuning, Settings
from tests.corpus_fixtures import ROOT


def test_the_answer_tunables_are_one_frozen_group_read_from_the_environment():
    settings = Settings.from_env(environ={"PA_ANSWER_MIN_COVERAGE": "0.6", "PA_ANSWER_MAX_SENTENCES": "2"})
    assert settings.answer.min_coverage == 0.6 and settings.answer.max_sentences == 2
    assert settings.answer.keep_ratio == AnswerTuning().keep_ratio
    with pytest.raises(AttributeError):
        settings.answer.min_coverage = 0.1  # type: ignore[misc]


def test_a_bad_value_names_the_variable_and_what_it_should_be():
    with pytest.raises(ConfigError, match="PA_ANSWER_OOV_CAP='x' 无效：应为整数"):
        Settings.from_env(environ={"PA_ANSWER_OOV_CAP": "x"})


def test_the_cli_reports_a_bad_setting_in_one_line(tmp_path):
    env = {**os.environ, "PA_TOP_K": "ten", "PA_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "新建平台补多少？"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "Error: 环境变量 PA_TOP_K='ten' 无效：应为整数。"
