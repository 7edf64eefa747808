"""Force every library we use into offline mode before any of them is imported.

Imported first by ``trainer/__init__.py``, so no code path can reach a hub: models are
always loaded from local paths, and these switches make an accidental download fail
fast instead of trying the network.
"""

import os

OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    # onnxruntime (piper's voices, the VAD, the coder) sends usage events to Microsoft from
    # native code since 1.29, with a device id and a queue under ~/.cache/Microsoft.
    "ORT_DISABLE_TELEMETRY": "1",
}


def force_offline() -> None:
    for key, value in OFFLINE_ENVIRONMENT.items():
        os.environ[key] = value
