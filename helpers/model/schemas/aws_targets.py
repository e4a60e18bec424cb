"""``agentcore/aws-targets.json``, as the CLI states it (aws-targets.ts).

Where a project deploys: named targets, each an account and one of the regions the CLI
knows. A deployed state's targets are named by the same rule
(:mod:`helpers.model.schemas.deployed`).
"""

from __future__ import annotations

from helpers.model.schema import (
    Choice,
    Fields,
    ListOf,
    Text,
    at_least,
    at_most,
    matches,
    optional,
    unique,
)

REGIONS = (
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "us-gov-west-1",
)

TARGET_NAME = Text(
    at_least(1),
    at_most(64),
    matches(
        r"[a-zA-Z][a-zA-Z0-9-]*",
        "Name must start with a letter and contain only alphanumeric characters and hyphens",
    ),
)
AWS_TARGETS = ListOf(
    Fields(
        {
            "name": TARGET_NAME,
            "description": optional(Text(at_most(256))),
            "account": Text(matches(r"[0-9]{12}", "AWS account ID must be exactly 12 digits")),
            "region": Choice(*REGIONS),
        },
        strict=False,
    ),
    unique(lambda target: target["name"], lambda name: f"Duplicate deployment target name: {name}"),
)
