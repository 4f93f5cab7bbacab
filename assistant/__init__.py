"""中试政策助手: exact, cited answers about China's manufacturing pilot-scale testing policies."""

__version__ = "0.1.0"
