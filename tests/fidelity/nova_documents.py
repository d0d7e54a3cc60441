"""How many of the XML documents in Nova's libvirt unit tests the ``domain`` module's typed options
reproduce.

For each document (a whole <domain>, or one element of one such as a <disk> or <cputune>, put
into a small domain): parse it with the collection's model, read it back as typed options
(``guest.definition_options``), build those options again as the domain module does for a new
definition (``DomainSpecBuilder`` and ``creation_defaults``, on libvirt's test driver), and compare
the built document with the original. Only what libvirt assigns itself is left out of the
comparison (IGNORED); child order is not compared, the order of boot devices is.

    python tests/fidelity/nova_documents.py --nova PATH_TO_NOVA_CHECKOUT [--show N] [--json]

Needs libvirt-python and lxml (the test venv has both) and the collection importable as
ansible_collections.virtops.libvirt (scripts/test.sh's layout, or PYTHONPATH to a directory with it).
Reads Nova's files with git if PATH is a repository (its HEAD), else from the work tree.
"""

from __future__ import absolute_import, division, print_function

import argparse
import ast
import collections
import copy
import json
import os
import re
import subprocess
import sys

from lxml import etree

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.virtops.libvirt.plugins.module_utils.common.errors import VirtopsError
from ansible_collections.virtops.libvirt.plugins.module_utils.common.libvirt import libvirt
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.definition_options import definition_options
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.spec import DomainSpecBuilder, check_limits, creation_defaults
from ansible_collections.virtops.libvirt.plugins.module_utils.guest.tuning import cpu_numbers
from ansible_collections.virtops.libvirt.plugins.module_utils.storage import sources
from ansible_collections.virtops.libvirt.plugins.module_utils.runners.domain import DOMAIN_ARGUMENT_SPEC
from ansible_collections.virtops.libvirt.plugins.module_utils.xml.domain import DEVICE_TAGS, DomainConfig

TEST_DIR = "nova/tests/unit/virt/libvirt"
# A test's template, filled in by the test ('%s', '%(name)s', '{name}'): not a document.
TEMPLATE = re.compile(r"%s|%\(|\{[a-z_]*\}")
# Elements of a domain (outside <devices>) a document may be made of alone.
DOMAIN_PARTS = ("cpu", "clock", "cputune", "numatune", "memtune", "memoryBacking", "sysinfo", "launchSecurity",
                "features", "os", "perf")
# What libvirt assigns itself, left out of the comparison: device aliases, the backing chain it
# reads from the images, its source indexes, a running domain's id, the dynamic security labels,
# the emulator binary it picks and the state of a disk's running copy job.
IGNORED = ("alias", "backingStore", "seclabel", "devices/emulator", "disk/mirror")
IGNORED_ATTRIBUTES = (("source", "index"), ("domain", "id"))
# What libvirt writes itself into a definition that does not say (so a document that leaves it
# out is reproduced by options that write it): the domain's name and type (a document without
# them cannot be defined), os type hvm, one vCPU, sizes counted in KiB (libvirt's unit for a size
# without one), a disk's device 'disk' and QEMU's driver name.
LIBVIRT_DEFAULTS = ("/domain/name=nova-document", "/domain@type=kvm", "/domain/os/type=hvm", "/domain/vcpu=1",
                    "@unit=KiB", "/disk@device=disk", "/disk/driver@name=qemu",
                    # and a custom CPU model's fallback, a memory node's mode, an x86 serial port's
                    # target (and a TCP one's protocol), a random RNG's device
                    "/cpu/model@fallback=allow", "/memnode@mode=strict", "/serial/target@type=isa-serial",
                    "/serial/target@port=0", "/console/target@type=serial", "/console/target@port=0",
                    "/serial/protocol@type=raw", "/console/protocol@type=raw", "/rng/backend=/dev/urandom",
                    # a custom CPU's mode and match, a vTPM's model, an input's bus, a TCP console's mode
                    "/cpu@mode=custom", "/cpu@match=exact", "/tpm@model=tpm-tis", "/input@bus=ps2", "/input@bus=usb",
                    "/serial/source@mode=connect", "/console/source@mode=connect",
                    # and what it drops again: an unmanaged host device's managed='no'
                    "/hostdev@managed=no",
                    # and how it reads what is not said: a disk without a format is raw (libvirt
                    # never probes), a share without a driver QEMU's path driver (9p)
                    "/disk/driver@type=raw", "/filesystem/driver@type=path")
SHARED_MEMORY = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"
# The rest of a domain around a part of one (vCPUs enough for the pinning a part names).
SHELL = ("<domain type='%s'><name>nova-document</name><memory unit='KiB'>1048576</memory><vcpu>64</vcpu>"
         "<os><type>hvm</type></os><features><acpi/><apic/></features>%s</domain>")


# What the untyped notes say of a part of another hypervisor or architecture than QEMU on x86 -
# LXC's and Xen's guests and shares, s390's ccw addresses and sclp console, virtio-mmio
# addresses, a domain-capabilities <os> - which the module does not define (its guests are hvm).
OTHER_PLATFORM = re.compile(r"os/type: (exe|linux) guests|devices/filesystem\[[^]]*\]: type (file|block)|"
                            r"type (ccw|virtio-mmio) \(|a sclp console|^os/enum: |os/init(env)?: ")


def nova_files(nova):
    """{path: text} of the Python files under Nova's libvirt unit tests."""
    if os.path.isdir(os.path.join(nova, ".git")) or nova.endswith(".git") or os.path.exists(os.path.join(nova, "HEAD")):
        names = subprocess.check_output(["git", "-C", nova, "ls-tree", "-r", "--name-only", "HEAD", TEST_DIR])
        return dict((name, subprocess.check_output(["git", "-C", nova, "show", "HEAD:" + name]).decode())
                    for name in names.decode().split() if name.endswith(".py"))
    found = {}
    for root, _dirs, files in os.walk(os.path.join(nova, TEST_DIR)):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                with open(path) as handle:
                    found[os.path.relpath(path, nova)] = handle.read()
    return found


def documents(files):
    """(where, element) of every distinct XML literal in ``files`` that is a domain or a part of one."""
    seen, found = set(), []
    for name in sorted(files):
        for node in ast.walk(ast.parse(files[name])):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            text = node.value.strip()
            if not text.startswith("<") or text.startswith("<?") or text in seen or TEMPLATE.search(text):
                continue
            try:
                element = etree.fromstring(text)
            except etree.XMLSyntaxError:
                continue
            if not isinstance(element.tag, str):
                continue
            is_guest_cpu = element.tag != "cpu" or element.get("mode") or element.get("match")
            if (element.tag == "domain" or element.tag in DEVICE_TAGS or element.tag in DOMAIN_PARTS) and is_guest_cpu:
                seen.add(text)
                found.append(("%s:%d" % (name, node.lineno), element))
    return found


def as_domain(element):
    """The document as a whole domain, and the path of the part to compare (None: all of it)."""
    if element.tag == "domain":
        return element, None
    inner = etree.tostring(element, encoding="unicode")
    if element.tag in DEVICE_TAGS:
        # the rest of a domain with a virtiofs share has memory virtiofsd can read
        memory = SHARED_MEMORY if element.find("driver[@type='virtiofs']") is not None else ""
        return etree.fromstring(SHELL % ("kvm", memory + "<devices>%s</devices>" % inner)), "devices/" + element.tag
    shell = etree.fromstring(SHELL % ("kvm", ""))
    for existing in shell.findall(element.tag):
        shell.remove(existing)
    shell.append(element)
    return shell, element.tag


# Containers libvirt drops when nothing is in them.
CONTAINERS = ("features", "devices", "cputune", "numatune", "memtune", "memoryBacking", "clock", "perf", "metadata")


# The digits libvirt writes of a PCI address's parts ('0x0' is written '0x0000' as a domain).
PCI_WIDTHS = dict(domain=4, bus=2, slot=2, function=1)


def _value(element, name):
    """An attribute's value as libvirt writes it: MAC addresses in lower case, PCI address parts
    with their digits."""
    value = element.get(name).strip()
    if (element.tag, name) == ("mac", "address"):
        return value.lower()
    if element.tag == "address" and name in PCI_WIDTHS and value.startswith("0x"):
        return "0x%0*x" % (PCI_WIDTHS[name], int(value, 16))
    return value


def canonical(element, path="", ordered=("os",)):
    """A comparable form of ``element`` without what IGNORED names; children unordered except
    under the elements of ``ordered`` (the boot order)."""
    if any(("%s/%s" % (path, element.tag)).endswith(part) for part in IGNORED):
        return None
    attributes = tuple(sorted((name, _value(element, name)) for name in element.attrib
                              if (element.tag, name) not in IGNORED_ATTRIBUTES))
    children = [canonical(child, path + "/" + element.tag, ordered) for child in element if isinstance(child.tag, str)]
    children = [child for child in children if child is not None]
    if element.tag not in ordered:
        children.sort(key=repr)
    if element.tag in CONTAINERS and not (attributes or children or (element.text or "").strip()):
        return None
    return (element.tag, attributes, (element.text or "").strip(), tuple(children))


class _AssumedDefined:
    """libvirt's test driver, where the traffic filters a document names count as defined (the
    driver has no nwfilters; whether a filter exists says nothing about the options)."""

    def __init__(self, conn):
        self._conn = conn

    def __getattr__(self, name):
        return getattr(self._conn, name)

    @staticmethod
    def nwfilterLookupByName(name):
        return name

    def getInfo(self):
        """The test host with memory enough for any document (its 3 GiB would refuse them)."""
        info = self._conn.getInfo()
        return [info[0], 1 << 30] + info[2:]


def _no_secret_lookup(*_args):
    """The test driver has no secrets: a secret a document names counts as defined."""


def test_connection(config):
    """libvirt's test driver with the networks ``config`` refers to defined."""
    conn = libvirt.open("test:///default")
    for interface in config.interfaces or []:
        if interface.source_network:
            try:
                conn.networkLookupByName(interface.source_network)
            except libvirt.libvirtError:
                conn.networkDefineXML("<network><name>%s</name></network>" % interface.source_network)
    return conn


def round_trips(element):
    """Whether the model parses the document and formats it back unchanged (nothing asked of it)."""
    domain, _part = as_domain(element)
    try:
        formatted = DomainConfig.parse(domain).to_element()
    except Exception:  # the model refuses the document: it does not round-trip
        return False
    return canonical(formatted) == canonical(domain)


def as_libvirt_keeps_it(domain):
    """``domain`` as libvirt keeps it where it rewrites what it was given: real-time scheduling
    one <vcpusched> per vCPU ('0-3' is stored as 0, 1, 2 and 3), and no bridge of its own in the
    source of a NIC on a libvirt network (filled in while the guest runs)."""
    domain = copy.deepcopy(domain)
    for sched in domain.findall("cputune/vcpusched"):
        parent, index = sched.getparent(), sched.getparent().index(sched)
        parent.remove(sched)
        for offset, vcpu in enumerate(sorted(cpu_numbers(sched.get("vcpus", ""), "vcpusched"))):
            single = copy.deepcopy(sched)
            single.set("vcpus", str(vcpu))
            parent.insert(index + offset, single)
    for source in domain.findall("devices/interface[@type='network']/source"):
        source.attrib.pop("bridge", None)
    return domain


def reproduce(element):
    """(verdict, detail, untyped, rebuilt): 'same' when the typed options give the document back;
    ``rebuilt`` is the definition they build (None where they build none)."""
    domain, part = as_domain(element)
    domain = as_libvirt_keeps_it(domain)
    try:
        config = DomainConfig.parse(domain)
    except Exception as exc:  # the model refuses the document: that is the finding
        return "unreadable", "%s: %s" % (type(exc).__name__, exc), [], None
    options, untyped = definition_options(config)
    params = dict(options, name=config.name or "nova-document")
    validated = ArgumentSpecValidator(DOMAIN_ARGUMENT_SPEC).validate(params)
    if validated.error_messages:
        return "refused", "; ".join(validated.error_messages), untyped, None
    params = validated.validated_parameters
    conn = test_connection(config)
    try:
        builder = DomainSpecBuilder(_AssumedDefined(conn), params, params["virt_type"] if params["virt_type"] != "auto" else "kvm", False)
        built = creation_defaults(builder.build())
        check_limits(built)  # as the module checks a new definition
        rebuilt = built.to_element()
    except VirtopsError as exc:
        return "refused", exc.msg, untyped, None
    finally:
        conn.close()
    if part is None:
        before, after = [domain], [rebuilt]
    else:
        before, after = domain.findall(part), rebuilt.findall(part)
    same, detail = equivalent(before, after)
    if same:
        return "same", detail, untyped, rebuilt
    stored = [as_libvirt_stores_it(document, domain, other) for document, other in ((domain, rebuilt), (rebuilt, domain))]
    if None not in stored:
        if part is not None:
            stored = [document.findall(part) for document in stored]
        if equivalent(*stored)[0]:
            return "same", "as libvirt stores both", untyped, rebuilt
    return "differs", detail, untyped, rebuilt


def equivalent(before, after):
    """(whether the elements ``after`` say what ``before`` do, what differs): the same but for what
    IGNORED names, child order and what libvirt writes itself where a document is silent
    (LIBVIRT_DEFAULTS)."""
    if sorted(map(repr, map(canonical, before))) == sorted(map(repr, map(canonical, after))):
        return True, ""
    old, new = leaves(before), leaves(after)
    added = set(path for path in new - old if not any(path.endswith(default) for default in LIBVIRT_DEFAULTS))
    counts = [sorted(child.tag for item in items for child in item.iter() if isinstance(child.tag, str)
                     and child.getparent() is not None and child.getparent().tag == "devices")
              for items in (before, after)]
    if not old - new and not added and counts[0] == counts[1]:
        return True, "with libvirt's defaults: %s" % sorted(new - old)
    return False, "lost %s; added %s" % (sorted(old - new)[:4], sorted(added)[:4])


# The UUID both documents get where the original has none (libvirt would give each its own).
COMPARED_UUID = "6a1f0c2e-7d3b-4c5a-9e8f-0b1c2d3e4f50"


def as_libvirt_stores_it(document, original, other):
    """``document`` as libvirt's parser stores it (defined on the test driver, read back and
    undefined), the second chance of a document that differs as written: libvirt writes forms of
    its own (a bare <smm/> as state='on', PCI address parts in hex, autoport='no' beside a port),
    drops what it ignores (match on a host-model CPU) and adds what it implies (the serial port of
    a console found alone). What it picks at random - a UUID, the MAC of a NIC without one - is
    made the same on both sides, and what a definition needs and a document may leave out (its
    memory, the os type: LIBVIRT_DEFAULTS) is taken from the ``other`` side. None where the test
    driver refuses the document."""
    document = copy.deepcopy(document)
    document.set("type", "test")
    if document.find("memory") is None:
        memory = other.find("memory")
        document.append(copy.deepcopy(memory) if memory is not None else etree.fromstring("<memory>1048576</memory>"))
    if document.find("os") is None:
        etree.SubElement(document, "os")
    if document.find("os/type") is None:
        document.find("os").insert(0, etree.fromstring("<type>hvm</type>"))
    for name in document.findall("name"):
        document.remove(name)
    etree.SubElement(document, "name").text = "nova-compared"
    if document.find("uuid") is None:
        etree.SubElement(document, "uuid").text = COMPARED_UUID
    conn = libvirt.open("test:///default")
    try:
        defined = conn.defineXML(etree.tostring(document, encoding="unicode"))
        try:
            stored = etree.fromstring(defined.XMLDesc(0))
        finally:
            defined.undefine()
    except libvirt.libvirtError as exc:
        if os.environ.get("DEBUG_STORED"):
            print("test driver refused:", exc, file=sys.stderr)
        return None
    finally:
        conn.close()
    if original.find("devices/interface") is not None and original.find("devices/interface/mac") is None:
        for mac in stored.findall("devices/interface/mac"):
            mac.getparent().remove(mac)
    return stored


def leaves(elements):
    """Every attribute and text of ``elements`` as 'path@name=value' and 'path=text' (an element
    with neither: its path), without what IGNORED names."""
    found = set()

    def walk(element, prefix):
        here = "%s/%s" % (prefix, element.tag)
        if canonical(element) is None:
            return
        found.update("%s@%s=%s" % (here, name, _value(element, name)) for name in element.attrib
                     if (element.tag, name) not in IGNORED_ATTRIBUTES)
        if (element.text or "").strip():
            found.add("%s=%s" % (here, element.text.strip()))
        children = [child for child in element if isinstance(child.tag, str)]
        if not element.attrib and not (element.text or "").strip() and not children:
            found.add(here)
        for child in children:
            walk(child, here)
    for element in elements:
        walk(element, "")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--nova", required=True, help="a Nova checkout (git repository or work tree)")
    parser.add_argument("--show", type=int, default=0, help="print this many documents that are not reproduced")
    parser.add_argument("--json", action="store_true", help="print every verdict as JSON lines")
    args = parser.parse_args()
    libvirt.registerErrorHandler(lambda _context, _error: None, None)
    sources.require_secret = _no_secret_lookup
    found = documents(nova_files(args.nova))
    verdicts = collections.Counter()
    accepted = collections.Counter()  # of the documents libvirt's parser defines as they are
    other_platform = 0  # of those, not reproduced, another hypervisor's or architecture's
    built_refused = 0
    whole = collections.Counter()
    reasons = collections.Counter()
    shown = 0
    unchanged = 0
    for where, element in found:
        unchanged += round_trips(element)
        verdict, detail, untyped, rebuilt = reproduce(element)
        domain, _part = as_domain(element)
        defined_as_written = as_libvirt_stores_it(as_libvirt_keeps_it(domain), domain, domain) is not None
        if defined_as_written:
            accepted[verdict] += 1
            other_platform += verdict != "same" and any(OTHER_PLATFORM.search(note) for note in untyped)
            # the options wrote what libvirt refuses
            built_refused += rebuilt is not None and as_libvirt_stores_it(rebuilt, domain, domain) is None
        verdicts[verdict] += 1
        if element.tag == "domain":
            whole[verdict] += 1
        for note in untyped:
            where, _sep, why = note.partition(": ")
            reasons["%s: %s" % (re.sub(r"\[[^]]*\]", "", where), why)] += 1
        if args.json:
            print(json.dumps(dict(where=where, tag=element.tag, verdict=verdict, detail=detail, untyped=untyped,
                             defined_as_written=defined_as_written)))
        elif verdict != "same" and shown < args.show:
            shown += 1
            print("%s <%s> %s: %s%s" % (where, element.tag, verdict, detail, " | untyped: %s" % untyped if untyped else ""))
    total = sum(verdicts.values())
    print("documents: %d, reproduced by typed options: %d (%.1f%%); whole domains: %d of %d; %s"
          % (total, verdicts["same"], 100.0 * verdicts["same"] / max(total, 1), whole["same"], sum(whole.values()),
             dict(verdicts)))
    print("of the %d documents libvirt's parser defines as written (the others it refuses): %d reproduced (%.1f%%); %s"
          % (sum(accepted.values()), accepted["same"], 100.0 * accepted["same"] / max(sum(accepted.values()), 1),
             dict(accepted)))
    qemu_x86 = sum(accepted.values()) - other_platform
    print("  of those not reproduced, %d are parts of another hypervisor or architecture (LXC, Xen, s390, virtio-mmio); "
          "of QEMU x86's %d: %d reproduced (%.1f%%)"
          % (other_platform, qemu_x86, accepted["same"], 100.0 * accepted["same"] / max(qemu_x86, 1)))
    print("built from their options, refused by libvirt's parser where it defines the document: %d" % built_refused)
    print("parsed and formatted back unchanged by the XML model: %d of %d" % (unchanged, total))
    for reason, count in reasons.most_common(15):
        print("  untyped %3d  %s" % (count, reason))
    return 0


if __name__ == "__main__":
    sys.exit(main())
