"""Regenerate oculi/aws/api.py from botocore's Rekognition service model. Nobody edits api.py by hand.

Usage: python scripts/gen_aws_api.py [--check]   (--check exits 1 when api.py has drifted)
"""

from __future__ import annotations

import sys
from pathlib import Path

from botocore import xform_name
from botocore.loaders import Loader
from botocore.model import ServiceModel

TARGET = Path(__file__).resolve().parent.parent / "oculi" / "aws" / "api.py"
SERVER_ERRORS = {"InternalServerError": 500}


def render() -> str:
    model = ServiceModel(Loader().load_service_model("rekognition", "service-2"))
    errors = sorted(n for n in model.shape_names if model.shape_for(n).metadata.get("exception"))
    lines = [
        '"""Generated from botocore\'s Rekognition model by scripts/gen_aws_api.py. Do not edit."""',
        "",
        "from __future__ import annotations",
        "",
        "from oculi.aws.errors import NotImplementedOperation, RequestContext, ServiceException",
        "",
        f'API_VERSION = "{model.api_version}"',
        f'TARGET_PREFIX = "{model.metadata["targetPrefix"]}"',
        "",
    ]
    for name in errors:
        status = SERVER_ERRORS.get(name, 400)
        lines += ["", f"class {name}(ServiceException):", f'    code = "{name}"', f"    status = {status}", ""]
    doc = '    """One stub per operation; a provider overrides those it implements."""'
    lines += ["", "class RekognitionApi:", doc, ""]
    ops = []
    for op in model.operation_names:
        method = xform_name(op)
        ops.append((op, method))
        lines += [
            f"    def {method}(self, context: RequestContext, request: dict) -> dict:",
            f'        raise NotImplementedOperation("{op}")',
            "",
        ]
    lines += ["", "OPERATIONS = {"] + [f'    "{op}": "{method}",' for op, method in ops] + ["}", ""]
    lines += ["EXCEPTIONS = {"] + [f'    "{n}": {n},' for n in errors] + ["}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if TARGET.read_text() == text else 1)
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
