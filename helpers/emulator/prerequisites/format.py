"""The prerequisites file: what must exist in the account before a project is deployed.

On AWS a project's prerequisites come from a stack of their own (the workshop's is a
CloudFormation stack): a Cognito user pool with resource servers, app clients and
users, the Lambda functions a Gateway target calls, and SSM parameters that tell the
learner the values. A prerequisites file describes the same for the local stack, in
JSON::

    {
      "region": "us-east-1",
      "account_id": "123456789012",
      "user_pools": [{
        "name": "MyPool",
        "allow_admin_create_user_only": true,
        "username_case_sensitive": false,
        "resource_servers": [{"identifier": "api", "name": "My API",
                              "scopes": [{"name": "invoke", "description": "Call it"}]}],
        "app_clients": [{"name": "MyClient", "generate_secret": true,
                         "oauth_flows": ["client_credentials"],
                         "oauth_scopes": ["api/invoke"], "access_token_minutes": 60},
                        {"name": "MyWebClient", "generate_secret": false,
                         "explicit_auth_flows": ["ALLOW_USER_PASSWORD_AUTH",
                                                 "ALLOW_REFRESH_TOKEN_AUTH"]}],
        "users": [{"username": "alice", "email": "alice@example.com",
                   "password_secret": "/my/users/alice"}],
        "groups": [{"name": "support", "description": "Support staff",
                    "precedence": 1, "members": ["alice"]}]
      }],
      "lambda_functions": [{"name": "my-function", "code": "lambda/my_function",
                            "handler": "lambda_function.lambda_handler"}],
      "ssm_parameters": {"/my/client_id": "${MyPool.MyClient.ClientId}"}
    }

``code`` is relative to the file. A pool takes new users from its administrators only
(``allow_admin_create_user_only``, Cognito's ``AdminCreateUserConfig``; true unless the
file says false, or anyone on the machine could sign up and get a token) and ignores
the case of user names (``username_case_sensitive``, Cognito's ``UsernameConfiguration``;
false unless the file says true, "as a best practice" in Cognito's words:
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UsernameConfigurationType.html).
Every app client prevents user existence errors (``PreventUserExistenceErrors:
ENABLED``, the Cognito console's default): an unknown user is answered as a wrong
password is. A client's access and ID tokens live ``access_token_minutes``.

A group's members are users of the file; their access and ID tokens name their groups
in ``cognito:groups``, most important (lowest ``precedence``) first, as Cognito's do.
Each user gets a generated password (Secrets Manager's
``GetRandomPassword``, as CloudFormation's ``GenerateSecretString`` makes one) kept in the
secret ``password_secret`` as ``{"username", "password"}``, and is confirmed with it, as
a prerequisite stack's custom resource would (``AdminCreateUser``, then
``AdminSetUserPassword --permanent``): nobody types, prints or commits a password.
Parameter values may refer to the outputs of what was created, as CloudFormation's
``!Sub`` does: ``${<pool>.Id}``, ``${<pool>.DiscoveryUrl}``,
``${<pool>.<client>.ClientId}``, ``${<function>.Arn}`` and ``${TokenUrl}``.

This module reads and checks the file (:meth:`Prerequisites.load`); the stack creates
what it asks for at every start with :mod:`helpers.emulator.prerequisites.seeding`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NotRequired, TypedDict

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import N_, _

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"

# A value of the file before the reader checked it: anything JSON holds.
_Raw = object


class PrerequisitesError(ActionableError):
    """The prerequisites file cannot be used; the message names the field and the fix."""


# The file's format, as :meth:`Prerequisites.to_json` writes it. A key the reader fills
# in when it is missing is NotRequired. What the reader takes in is not known to have
# this shape until it checked it field by field (``_Reader``), into the dataclasses below.


class ScopeDocument(TypedDict):
    name: str
    description: str


class ResourceServerDocument(TypedDict):
    identifier: str
    name: str
    scopes: NotRequired[list[ScopeDocument]]


class AppClientDocument(TypedDict):
    name: str
    generate_secret: NotRequired[bool]
    oauth_flows: NotRequired[list[str]]
    oauth_scopes: NotRequired[list[str]]
    access_token_minutes: NotRequired[int]
    explicit_auth_flows: NotRequired[list[str]]


class UserDocument(TypedDict):
    username: str
    email: str
    password_secret: str


class GroupDocument(TypedDict):
    name: str
    description: NotRequired[str]
    precedence: NotRequired[int]
    members: NotRequired[list[str]]


class UserPoolDocument(TypedDict):
    name: str
    allow_admin_create_user_only: NotRequired[bool]
    username_case_sensitive: NotRequired[bool]
    resource_servers: NotRequired[list[ResourceServerDocument]]
    app_clients: NotRequired[list[AppClientDocument]]
    users: NotRequired[list[UserDocument]]
    groups: NotRequired[list[GroupDocument]]


class LambdaFunctionDocument(TypedDict):
    name: str
    code: str  # relative to the file, or absolute
    handler: NotRequired[str]


class PrerequisitesDocument(TypedDict):
    region: NotRequired[str]
    account_id: NotRequired[str]
    user_pools: NotRequired[list[UserPoolDocument]]
    lambda_functions: NotRequired[list[LambdaFunctionDocument]]
    ssm_parameters: NotRequired[dict[str, str]]


@dataclass(frozen=True)
class Scope:
    name: str
    description: str


@dataclass(frozen=True)
class ResourceServer:
    identifier: str
    name: str
    scopes: tuple[Scope, ...]


@dataclass(frozen=True)
class AppClient:
    name: str
    generate_secret: bool
    oauth_flows: tuple[str, ...]
    oauth_scopes: tuple[str, ...]
    access_token_minutes: int
    explicit_auth_flows: tuple[str, ...] = ()


@dataclass(frozen=True)
class User:
    """A user who signs in with a password; the password is generated into a secret."""

    username: str
    email: str
    password_secret: str


@dataclass(frozen=True)
class Group:
    """A group of the pool's users (``CreateGroup``, ``AdminAddUserToGroup``)."""

    name: str
    description: str
    precedence: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class UserPool:
    name: str
    resource_servers: tuple[ResourceServer, ...]
    app_clients: tuple[AppClient, ...]
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    allow_admin_create_user_only: bool = True
    username_case_sensitive: bool = False


@dataclass(frozen=True)
class LambdaFunction:
    """A function the local Gateway can call: ``handler`` is ``module.function`` in ``code``."""

    name: str
    code: Path
    handler: str


@dataclass(frozen=True)
class Prerequisites:
    """Everything a prerequisites file asks for, with code paths made absolute."""

    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID
    user_pools: tuple[UserPool, ...] = ()
    lambda_functions: tuple[LambdaFunction, ...] = ()
    ssm_parameters: Mapping[str, str] = field(default_factory=dict)

    def lambda_arn(self, function: LambdaFunction) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{function.name}"

    @classmethod
    def load(cls, path: Path) -> Prerequisites:
        """Read a prerequisites file; a problem raises PrerequisitesError naming the field."""
        try:
            document = json.loads(Path(path).read_text())
        except OSError as error:
            raise PrerequisitesError(
                _(
                    "Cannot read the prerequisites file {path}: {reason}.",
                    path=path,
                    reason=error.strerror,
                )
            ) from None
        except json.JSONDecodeError as error:
            raise PrerequisitesError(
                _(
                    "{path} is not valid JSON: {reason} at line {line}, column {column}.",
                    path=path,
                    reason=error.msg,
                    line=error.lineno,
                    column=error.colno,
                )
            ) from None
        return cls.from_json(document, Path(path).resolve().parent, str(path))

    @classmethod
    def from_json(cls, document: _Raw, base: Path, where: str) -> Prerequisites:
        reader = _Reader(where)
        root = reader.object(document, "the file")
        parameters = reader.object(root.get("ssm_parameters", {}), "ssm_parameters")
        return cls(
            region=reader.string(root, "region", "", DEFAULT_REGION),
            account_id=reader.string(root, "account_id", "", DEFAULT_ACCOUNT_ID),
            user_pools=tuple(
                reader.user_pool(pool, f"user_pools[{index}]")
                for index, pool in enumerate(reader.array(root, "user_pools", ""))
            ),
            lambda_functions=tuple(
                reader.lambda_function(function, f"lambda_functions[{index}]", base)
                for index, function in enumerate(reader.array(root, "lambda_functions", ""))
            ),
            ssm_parameters={name: reader.text(value, name) for name, value in parameters.items()},
        )

    def to_json(self) -> PrerequisitesDocument:
        """The same prerequisites as a document :meth:`from_json` reads (absolute code paths)."""
        return {
            "region": self.region,
            "account_id": self.account_id,
            "user_pools": [
                {
                    "name": pool.name,
                    "allow_admin_create_user_only": pool.allow_admin_create_user_only,
                    "username_case_sensitive": pool.username_case_sensitive,
                    "resource_servers": [
                        {
                            "identifier": server.identifier,
                            "name": server.name,
                            "scopes": [
                                {"name": s.name, "description": s.description}
                                for s in server.scopes
                            ],
                        }
                        for server in pool.resource_servers
                    ],
                    "app_clients": [
                        {
                            "name": client.name,
                            "generate_secret": client.generate_secret,
                            "oauth_flows": list(client.oauth_flows),
                            "oauth_scopes": list(client.oauth_scopes),
                            "access_token_minutes": client.access_token_minutes,
                            "explicit_auth_flows": list(client.explicit_auth_flows),
                        }
                        for client in pool.app_clients
                    ],
                    "users": [
                        {
                            "username": user.username,
                            "email": user.email,
                            "password_secret": user.password_secret,
                        }
                        for user in pool.users
                    ],
                    "groups": [
                        {
                            "name": group.name,
                            "description": group.description,
                            "precedence": group.precedence,
                            "members": list(group.members),
                        }
                        for group in pool.groups
                    ],
                }
                for pool in self.user_pools
            ],
            "lambda_functions": [
                {"name": f.name, "code": str(f.code), "handler": f.handler}
                for f in self.lambda_functions
            ],
            "ssm_parameters": dict(self.ssm_parameters),
        }


class _Reader:
    """Typed reads from the parsed file, each failure naming the field it is about."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, field: str, expected: str) -> PrerequisitesError:
        # ``expected`` is marked with N_ where it is written, translated here.
        return PrerequisitesError(
            _(
                "{where}: {field} must be {expected}.",
                where=self.where,
                field=field,
                expected=_(expected),
            )
        )

    def object(self, value: _Raw, field: str) -> dict[str, _Raw]:
        if not isinstance(value, dict):
            raise self.fail(field, N_("a JSON object"))
        return value

    def array(self, obj: dict[str, _Raw], key: str, at: str) -> list[_Raw]:
        value = obj.get(key, [])
        if not isinstance(value, list):
            raise self.fail(_path(at, key), N_("a JSON array"))
        return value

    def text(self, value: _Raw, field: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(field, N_("a non-empty string"))
        return value

    def string(self, obj: dict[str, _Raw], key: str, at: str, default: str | None = None) -> str:
        if key not in obj and default is not None:
            return default
        return self.text(obj.get(key), _path(at, key))

    def boolean(self, obj: dict[str, _Raw], key: str, at: str, default: bool) -> bool:
        value = obj.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(_path(at, key), N_("true or false"))
        return value

    def strings(self, obj: dict[str, _Raw], key: str, at: str) -> tuple[str, ...]:
        return tuple(
            self.text(value, f"{_path(at, key)}[{index}]")
            for index, value in enumerate(self.array(obj, key, at))
        )

    def user_pool(self, raw: _Raw, at: str) -> UserPool:
        pool = self.object(raw, at)
        users = tuple(
            self.user(user, f"{at}.users[{index}]")
            for index, user in enumerate(self.array(pool, "users", at))
        )
        return UserPool(
            name=self.string(pool, "name", at),
            resource_servers=tuple(
                self.resource_server(server, f"{at}.resource_servers[{index}]")
                for index, server in enumerate(self.array(pool, "resource_servers", at))
            ),
            app_clients=tuple(
                self.app_client(client, f"{at}.app_clients[{index}]")
                for index, client in enumerate(self.array(pool, "app_clients", at))
            ),
            users=users,
            groups=tuple(
                self.group(group, f"{at}.groups[{index}]", {user.username for user in users})
                for index, group in enumerate(self.array(pool, "groups", at))
            ),
            allow_admin_create_user_only=self.boolean(
                pool, "allow_admin_create_user_only", at, True
            ),
            username_case_sensitive=self.boolean(pool, "username_case_sensitive", at, False),
        )

    def user(self, raw: _Raw, at: str) -> User:
        user = self.object(raw, at)
        return User(
            username=self.string(user, "username", at),
            email=self.string(user, "email", at),
            password_secret=self.string(user, "password_secret", at),
        )

    def group(self, raw: _Raw, at: str, usernames: set[str]) -> Group:
        group = self.object(raw, at)
        precedence = group.get("precedence", 0)
        if not isinstance(precedence, int) or isinstance(precedence, bool) or precedence < 0:
            raise self.fail(_path(at, "precedence"), N_("a whole number, 0 or more"))
        members = self.strings(group, "members", at)
        for index, member in enumerate(members):
            if member not in usernames:
                raise self.fail(f"{_path(at, 'members')}[{index}]", N_("a user of the pool"))
        return Group(
            name=self.string(group, "name", at),
            description=self.string(group, "description", at, default=""),
            precedence=precedence,
            members=members,
        )

    def lambda_function(self, raw: _Raw, at: str, base: Path) -> LambdaFunction:
        function = self.object(raw, at)
        return LambdaFunction(
            name=self.string(function, "name", at),
            code=(base / self.string(function, "code", at)).resolve(),
            handler=self.string(function, "handler", at, "lambda_function.lambda_handler"),
        )

    def resource_server(self, raw: _Raw, at: str) -> ResourceServer:
        server = self.object(raw, at)
        return ResourceServer(
            identifier=self.string(server, "identifier", at),
            name=self.string(server, "name", at),
            scopes=tuple(
                self.scope(scope, f"{at}.scopes[{index}]")
                for index, scope in enumerate(self.array(server, "scopes", at))
            ),
        )

    def scope(self, raw: _Raw, at: str) -> Scope:
        scope = self.object(raw, at)
        return Scope(self.string(scope, "name", at), self.string(scope, "description", at))

    def app_client(self, raw: _Raw, at: str) -> AppClient:
        client = self.object(raw, at)
        minutes = client.get("access_token_minutes", 60)
        if not isinstance(minutes, int) or not 5 <= minutes <= 1440:
            raise self.fail(_path(at, "access_token_minutes"), N_("a whole number from 5 to 1440"))
        return AppClient(
            name=self.string(client, "name", at),
            generate_secret=self.boolean(client, "generate_secret", at, True),
            oauth_flows=self.strings(client, "oauth_flows", at),
            oauth_scopes=self.strings(client, "oauth_scopes", at),
            access_token_minutes=minutes,
            explicit_auth_flows=self.strings(client, "explicit_auth_flows", at),
        )


def _path(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key
