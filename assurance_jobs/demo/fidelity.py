"""Small corrections to moto so the demo account looks like AWS where the rules look.

moto 5.2 answers every server-certificate call with fixed dates (uploaded 2010, expired 2012) and never reports
a secret's `LastAccessedDate`. Left alone, every certificate in the demo would be "expired" and the secret
last-access rule (NHI-OFF-005) could never fire, so the demo would show findings AWS would not produce and miss
one it would. moto 5.2 has no EKS Pod Identity associations
either (404 "not yet implemented"); the demo's cluster needs one, so create, list and describe are answered from a
small in-memory store. These patches are applied only while `emulated_aws()` is open and are undone on exit.

moto 5.2 does not implement `ssm:DescribeInstanceInformation` at all (`moto_ssm_inventory`): the tests apply
that one patch to every moto they start, so the collector meets AWS's answer rather than moto's exception.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any
from unittest import mock
from urllib.parse import unquote

from cryptography import x509
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.eks import urls as eks_urls
from moto.eks.responses import EKSResponse
from moto.iam.models import Certificate, IAMBackend
from moto.iam.responses import IamResponse
from moto.secretsmanager.models import FakeSecret, secretsmanager_backends
from moto.ssm.responses import SimpleSystemManagerResponse

_LAST_ACCESSED = "_demo_last_accessed_epoch"
_UPLOADED = "_demo_upload_date"


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _certificate_metadata(certificate_id: str, cert: Certificate) -> dict[str, Any]:
    """The metadata AWS derives from the uploaded PEM: real expiry, real upload time."""
    expiry = x509.load_pem_x509_certificate(cert.cert_body.encode()).not_valid_after_utc
    uploaded = getattr(cert, _UPLOADED, None) or utcnow()
    return {
        "ServerCertificateName": cert.cert_name,
        "Path": cert.path,
        "Arn": cert.arn,
        "UploadDate": _iso(uploaded),
        "ServerCertificateId": certificate_id,
        "Expiration": _iso(expiry),
    }


def _find(backend: IAMBackend, name: str) -> tuple[str, Certificate]:
    backend.get_server_certificate(name)  # raises moto's NotFound with the AWS message
    return next((cid, cert) for cid, cert in backend.certificates.items() if cert.cert_name == name)


def _upload_server_certificate(self: IamResponse) -> ActionResult:
    cert = self.backend.upload_server_certificate(
        self._get_param("ServerCertificateName"),
        self._get_param("CertificateBody"),
        self._get_param("PrivateKey"),
        cert_chain=self._get_param("CertificateChain"),
        path=self._get_param("Path"),
    )
    setattr(cert, _UPLOADED, utcnow())
    certificate_id = next(cid for cid, known in self.backend.certificates.items() if known is cert)
    return ActionResult({"ServerCertificateMetadata": _certificate_metadata(certificate_id, cert)})


def _list_server_certificates(self: IamResponse) -> ActionResult:
    listing = [_certificate_metadata(cid, cert) for cid, cert in self.backend.certificates.items()]
    return ActionResult({"ServerCertificateMetadataList": listing, "IsTruncated": False})


def _get_server_certificate(self: IamResponse) -> ActionResult:
    certificate_id, cert = _find(self.backend, self._get_param("ServerCertificateName"))
    body: dict[str, Any] = {
        "ServerCertificateMetadata": _certificate_metadata(certificate_id, cert),
        "CertificateBody": cert.cert_body,
    }
    if cert.cert_chain:
        body["CertificateChain"] = cert.cert_chain
    return ActionResult({"ServerCertificate": body})


_original_secret_to_dict = FakeSecret.to_dict


def _secret_to_dict(self: FakeSecret) -> dict[str, Any]:
    body = _original_secret_to_dict(self)
    last_accessed = getattr(self, _LAST_ACCESSED, None)
    if last_accessed is not None:
        body["LastAccessedDate"] = last_accessed
    return body


def _describe_instance_information(self: SimpleSystemManagerResponse) -> str:
    """AWS's answer for an account whose instances run no SSM agent (moto's never do): no managed node."""
    return json.dumps({"InstanceInformationList": []})


@contextmanager
def moto_ssm_inventory() -> Iterator[None]:
    """`ssm:DescribeInstanceInformation`, which moto 5.2 lacks, answered as AWS would for moto's estate."""
    with mock.patch.object(
        SimpleSystemManagerResponse, "describe_instance_information", _describe_instance_information, create=True
    ):
        yield


_POD_IDENTITY: dict[str, dict[str, Any]] = {}
"""EKS Pod Identity associations by id (moto 5.2 has none): filled by `create_pod_identity_association`."""
_ASSOCIATIONS = "{0}/clusters/(?P<name>[^/]+)/pod-identity-associations$"
_ASSOCIATION = "{0}/clusters/(?P<name>[^/]+)/pod-identity-associations/(?P<associationId>[^/]+)$"


def _cluster_in_path(response: EKSResponse) -> str:
    return unquote(response.path.split("/clusters/", 1)[1].split("/", 1)[0])


def _create_pod_identity_association(self: EKSResponse) -> ActionResult:
    cluster = _cluster_in_path(self)
    association_id = f"a-{len(_POD_IDENTITY) + 1:017d}"
    backend = self.eks_backend
    association = {
        "clusterName": cluster,
        "namespace": self._get_param("namespace"),
        "serviceAccount": self._get_param("serviceAccount"),
        "roleArn": self._get_param("roleArn"),
        "associationArn": f"arn:aws:eks:{backend.region_name}:{backend.account_id}:podidentityassociation/"
        f"{cluster}/{association_id}",
        "associationId": association_id,
        "createdAt": _iso(utcnow()),
        "modifiedAt": _iso(utcnow()),
    }
    _POD_IDENTITY[association_id] = association
    return ActionResult({"association": association})


def _list_pod_identity_associations(self: EKSResponse) -> ActionResult:
    cluster = _cluster_in_path(self)
    keys = ("clusterName", "namespace", "serviceAccount", "associationArn", "associationId")
    found = [{k: a[k] for k in keys} for a in _POD_IDENTITY.values() if a["clusterName"] == cluster]
    return ActionResult({"associations": found})


def _describe_pod_identity_association(self: EKSResponse) -> ActionResult:
    return ActionResult({"association": _POD_IDENTITY[self._get_param("associationId")]})


@contextmanager
def moto_fidelity_patches() -> Iterator[None]:
    """Apply the corrections for the duration of the block (in this process: the threaded server shares it)."""
    with ExitStack() as stack:
        stack.enter_context(moto_ssm_inventory())
        stack.enter_context(mock.patch.object(IamResponse, "upload_server_certificate", _upload_server_certificate))
        stack.enter_context(mock.patch.object(IamResponse, "list_server_certificates", _list_server_certificates))
        stack.enter_context(mock.patch.object(IamResponse, "get_server_certificate", _get_server_certificate))
        stack.enter_context(mock.patch.object(FakeSecret, "to_dict", _secret_to_dict))
        # EKS Pod Identity associations (moto answers 404 "not yet implemented"): routes and handlers.
        routes = {_ASSOCIATIONS: eks_urls.response.dispatch, _ASSOCIATION: eks_urls.response.dispatch}
        stack.enter_context(mock.patch.dict(eks_urls.url_paths, routes))
        for name, handler in (
            ("create_pod_identity_association", _create_pod_identity_association),
            ("list_pod_identity_associations", _list_pod_identity_associations),
            ("describe_pod_identity_association", _describe_pod_identity_association),
        ):
            stack.enter_context(mock.patch.object(EKSResponse, name, handler, create=True))
        stack.enter_context(mock.patch.dict(_POD_IDENTITY, clear=True))
        yield


def record_secret_access(account_id: str, region: str, secret_arn: str, when: datetime) -> None:
    """Stamp a secret as last read on `when`'s day, as AWS reports it (date only, midnight UTC).

    Stands in for a workload reading the secret, which the demo must not do: nothing in the product calls
    GetSecretValue. Works because the emulated server runs in this process.
    """
    secret = secretsmanager_backends[account_id][region].secrets[secret_arn]
    day = when.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    setattr(secret, _LAST_ACCESSED, int(day.timestamp()))
