# -*- coding: utf-8 -*-
# Copyright: virtops.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a disk's or a pool's data lives: network hosts (portals, monitors), network disks
(iSCSI with CHAP, Ceph RBD with cephx, NFS, NBD and HTTP(S)/FTP(S) images through QEMU's own
clients) and LUKS
encryption as the domain and disk modules both take them, pool volumes, and whether a path is a
file or a block device."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import re
import stat

try:
    from urllib.parse import urlparse
except ImportError:  # pragma: no cover - Python 2
    from urlparse import urlparse

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import error_text, libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.storage.secrets import require_secret
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.devices import DiskAuth, DiskEncryption, NetworkHost

# Options of a network disk, the same in every module that takes one.
ISCSI_SOURCE_SPEC = dict(
    portal=dict(type="str", required=True),
    iqn=dict(type="str", required=True),
    lun=dict(type="int", default=0),
    chap_username=dict(type="str"),
    chap_secret_usage=dict(type="str", no_log=False),  # names a secret, is none
    chap_secret_uuid=dict(type="str", no_log=False),  # names a secret, is none
)
RBD_SOURCE_SPEC = dict(
    pool=dict(type="str", required=True),
    image=dict(type="str", required=True),
    monitors=dict(type="list", elements="str", required=True),
    user=dict(type="str"),
    secret_usage=dict(type="str", no_log=False),  # names a secret, is none
    secret_uuid=dict(type="str", no_log=False),  # names a secret, is none
)
NFS_SOURCE_SPEC = dict(
    server=dict(type="str", required=True),
    path=dict(type="str", required=True),
    user=dict(type="str"),
    group=dict(type="str"),
)
NBD_SOURCE_SPEC = dict(
    server=dict(type="str"),
    socket=dict(type="path"),
    export=dict(type="str"),
    tls=dict(type="bool"),
)
ENCRYPTION_SPEC = dict(
    format=dict(type="str", default="luks", choices=["luks"]),
    secret_usage=dict(type="str", no_log=False),  # names a secret, is none
    secret_uuid=dict(type="str", no_log=False),  # names a secret, is none
)
# The network disk options of a disk spec, each one way to reach a volume.
NETWORK_SOURCES = ("iscsi", "rbd", "nfs", "nbd", "url")
# Image servers QEMU's curl driver reads (read-only), with their default ports.
URL_PORTS = {"http": "80", "https": "443", "ftp": "21", "ftps": "990"}
NBD_PORT = "10809"
NFS_IDENTITY = re.compile(r"^(\+[0-9]+|[A-Za-z_][A-Za-z0-9_.-]*)$")


def network_host(text, default_port, option):
    """A NetworkHost from 'HOST', 'HOST:PORT', an IPv6 address or '[IPv6]:PORT' (iSCSI portals,
    Ceph monitors), checked."""
    text = text.strip()
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise VirtopsError("%s: %r is not [IPv6 address] or [IPv6 address]:PORT" % (option, text))
        port = rest[1:]
        _check_ipv6(host, text, option)
    elif text.count(":") > 1:  # a bare IPv6 address carries no port; '[addr]:port' does
        host, port = text, ""
        _check_ipv6(host, text, option)
    else:
        host, _sep, port = text.partition(":")
    if not host:
        raise VirtopsError("%s: %r is not HOST, HOST:PORT or [IPv6]:PORT" % (option, text))
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise VirtopsError("%s: port of %r is not a number from 1 to 65535" % (option, text))
    return NetworkHost(name=host, port=port or default_port or None)


def _check_ipv6(host, text, option):
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        raise VirtopsError("%s: %r is not an IPv6 address (write [ADDRESS]:PORT for one with a port)"
                           % (option, text))


def pool_volume(conn, pool, volume, option):
    """The volume ``volume`` of pool ``pool``, or VirtopsError naming ``option`` and libvirt's reason."""
    try:
        return conn.storagePoolLookupByName(pool).storageVolLookupByName(volume)
    except libvirt.libvirtError as exc:
        raise VirtopsError("%s: volume %s in pool %s cannot be used: %s" % (option, volume, pool, error_text(exc)))


def path_kind(conn, path, is_local):
    """'block' or 'file': what the disk path ``path`` is on the host of ``conn``.

    With libvirt on this machine the path itself says. Through a remote libvirt it is the kind of
    the pool volume with that path where a pool holds it, else 'block' for a path under /dev/ (a
    device node such as /dev/disk/by-path/...-lun-1), else 'file'; so a block device asked for
    again over a remote URI is never taken for a file.
    """
    if is_local:
        return "block" if os.path.exists(path) and stat.S_ISBLK(os.stat(path).st_mode) else "file"
    try:
        kind = conn.storageVolLookupByPath(path).info()[0]
    except libvirt.libvirtError:
        return "block" if path.startswith("/dev/") else "file"
    return "block" if kind == libvirt.VIR_STORAGE_VOL_BLOCK else "file"


# iSCSI names (RFC 3720 3.2.6.3): iqn.YYYY-MM.reversed.domain[:unique], eui. or naa. and hex digits.
ISCSI_NAME = re.compile(r"^(iqn\.[0-9]{4}-[0-9]{2}\.[A-Za-z0-9][A-Za-z0-9.-]*(:[A-Za-z0-9.:_-]+)?"
                        r"|eui\.[0-9A-Fa-f]{16}|naa\.([0-9A-Fa-f]{16}|[0-9A-Fa-f]{32}))$")
# Ceph pool and RBD image names as a disk source names them ("POOL/IMAGE"): no '/' or '@' (snapshot).
CEPH_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")


def check_iscsi_name(iqn, option):
    if not ISCSI_NAME.match(iqn or ""):
        raise VirtopsError("%s %r is not an iSCSI name; use iqn.YYYY-MM.reversed.domain[:name] (letters, digits, "
                           "'.', '-', ':', '_'), eui.<16 hex digits> or naa.<16 or 32 hex digits>" % (option, iqn))


def check_ceph_name(name, option, what):
    if not CEPH_NAME.match(name or ""):
        raise VirtopsError("%s %r is not a valid %s name; use letters, digits, '_', '.', '+' and '-'"
                           % (option, name, what))


def set_network_source(conn, disk, spec, option=""):
    """Make ``disk`` a network disk on the one iSCSI LUN, RBD image, NFS file or NBD export that
    ``spec`` (a disk's options) names, reached by QEMU's own client: nothing is mounted or logged in
    on the host. A CHAP or cephx secret must exist in libvirt. ``option`` prefixes the option names
    in messages ('disks[1].')."""
    iscsi, rbd, nfs, nbd, url = (spec[name] for name in NETWORK_SOURCES)
    disk.type = "network"
    if iscsi is not None:
        if iscsi["lun"] < 0:
            raise VirtopsError("%siscsi.lun must be 0 or more, got %d" % (option, iscsi["lun"]))
        check_iscsi_name(iscsi["iqn"], option + "iscsi.iqn")
        disk.source_protocol, disk.source_name = "iscsi", "%s/%d" % (iscsi["iqn"], iscsi["lun"])
        disk.source_hosts = [network_host(iscsi["portal"], "3260", option + "iscsi.portal")]
        disk.auth = disk_auth(conn, "iscsi", iscsi["chap_username"], iscsi["chap_secret_usage"],
                              iscsi["chap_secret_uuid"], option + "iscsi.chap_")
    elif rbd is not None:
        if not rbd["monitors"]:
            raise VirtopsError("%srbd.monitors needs at least one Ceph monitor (HOST, HOST:PORT or [IPv6]:PORT)" % option)
        check_ceph_name(rbd["pool"], option + "rbd.pool", "Ceph pool")
        check_ceph_name(rbd["image"], option + "rbd.image", "RBD image")
        disk.source_protocol, disk.source_name = "rbd", "%s/%s" % (rbd["pool"], rbd["image"])
        disk.source_hosts = [network_host(monitor, "6789", option + "rbd.monitors") for monitor in rbd["monitors"]]
        disk.auth = disk_auth(conn, "ceph", rbd["user"], rbd["secret_usage"], rbd["secret_uuid"], option + "rbd.")
    elif nfs is not None:
        _set_nfs_source(disk, nfs, option + "nfs.")
    elif url is not None:
        _set_url_source(disk, url, option + "url")
    else:
        _set_nbd_source(disk, nbd, option + "nbd.")
    return disk


def _set_nfs_source(disk, nfs, option):
    """QEMU's libnfs client (NFSv3): the portmapper and mountd of ``server`` find the export."""
    host = network_host(nfs["server"], "", option + "server")
    if host.port:
        raise VirtopsError("%sserver %r: give the NFS server without a port (QEMU asks its portmapper)"
                           % (option, nfs["server"]))
    path = nfs["path"]
    if not path.startswith("/") or path.endswith("/") or "/../" in path + "/":
        raise VirtopsError("%spath %r is not the absolute path of a file on the server, such as "
                           "/export/volumes/volume-1.qcow2" % (option, path))
    disk.source_protocol, disk.source_name, disk.source_hosts = "nfs", path, [host]
    for name in ("user", "group"):
        if nfs[name] is not None and not NFS_IDENTITY.match(nfs[name]):
            raise VirtopsError("%s%s %r is not a user or group name or a +ID such as +107" % (option, name, nfs[name]))
    disk.nfs_user, disk.nfs_group = nfs["user"], nfs["group"]


def _set_url_source(disk, url, option):
    """An image on a web or FTP server (QEMU's curl driver: read-only), as Nova attaches an ISO
    from an image service: ``https://HOST[:PORT]/PATH[?QUERY]``."""
    parts = urlparse(url)
    if parts.scheme not in URL_PORTS or not parts.hostname or not parts.path.strip("/"):
        raise VirtopsError("%s %r is not the URL of an image: give %s://HOST[:PORT]/PATH"
                           % (option, url, "|".join(sorted(URL_PORTS))))
    try:
        port = parts.port
    except ValueError:
        raise VirtopsError("%s %r: the port is not a number from 1 to 65535" % (option, url))
    if parts.username or parts.password:
        raise VirtopsError("%s: give the URL without a user or password (libvirt would keep them in the "
                           "definition for anyone to read)" % option)
    disk.source_protocol, disk.source_name = parts.scheme, parts.path
    disk.source_query = parts.query or None
    disk.source_hosts = [NetworkHost(name=parts.hostname, port=str(port or URL_PORTS[parts.scheme]))]


def _set_nbd_source(disk, nbd, option):
    """An NBD export on ``server`` (HOST[:PORT], port 10809 by default) or a UNIX ``socket``."""
    if bool(nbd["server"]) == bool(nbd["socket"]):
        raise VirtopsError("%s: give exactly one of server (HOST or HOST:PORT) or socket (a UNIX socket path)"
                           % option.rstrip("."))
    if nbd["socket"]:
        if nbd["tls"]:
            raise VirtopsError("%stls needs server: NBD over a UNIX socket has no TLS" % option)
        host = NetworkHost(transport="unix", socket=nbd["socket"])
    else:
        host = network_host(nbd["server"], NBD_PORT, option + "server")
    disk.source_protocol, disk.source_name, disk.source_hosts = "nbd", nbd["export"], [host]
    disk.source_tls = nbd["tls"]


def disk_encryption(conn, encryption, option):
    """The LUKS <encryption> of a disk from the libvirt secret (usage volume) holding its passphrase."""
    usage, uuid = encryption["secret_usage"], encryption["secret_uuid"]
    if bool(usage) == bool(uuid):
        raise VirtopsError("%s: give exactly one of secret_usage or secret_uuid (the libvirt secret of usage "
                           "volume holding the passphrase, see virtops.libvirt.secret)" % option)
    require_secret(conn, "volume", usage, uuid, option + ".secret")
    return DiskEncryption(format=encryption["format"], secret_type="passphrase", secret_usage=usage,
                          secret_uuid=uuid)


def disk_auth(conn, secret_type, username, usage, uuid, option):
    """The <auth> of a network disk from its user and the libvirt secret naming its key, or None."""
    if not (usage or uuid):
        if username:
            raise VirtopsError("%susername needs %ssecret_usage or %ssecret_uuid (a libvirt secret, "
                               "see virtops.libvirt.secret)" % (option, option, option))
        return None
    if usage and uuid:
        raise VirtopsError("give %ssecret_usage or %ssecret_uuid, not both" % (option, option))
    require_secret(conn, secret_type, usage, uuid, option + "secret")
    return DiskAuth(username=username, secret_type=secret_type, secret_usage=usage, secret_uuid=uuid)
