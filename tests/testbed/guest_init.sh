#!/bin/sh
# /init of the virtops test guest (busybox). Everything it reports goes to the serial console as
# lines starting with "VIRTOPS-", so tests can prove what the guest saw:
#   VIRTOPS-BOOTED boot_id=<id>          init is running
#   VIRTOPS-CMDLINE <kernel command line>
#   VIRTOPS-DISK name=<vdX|sdX> serial=<serial> sectors=<512-byte sectors>   (once per disk at boot)
#   VIRTOPS-DISK-ADDED / VIRTOPS-DISK-REMOVED name=... serial=...           (hot-plug, polled each second)
#   VIRTOPS-WROTE name=... serial=...    a hot-plugged disk whose serial starts with "w-" got the line
#                                        "VIRTOPS-DATA <serial>" written at its first byte (the host
#                                        reads it back from the target)
#   VIRTOPS-KEPT name=... serial=...    a disk present at boot whose serial starts with "keep-" got the
#                                        line "VIRTOPS-DATA <serial> boot_id=<id>" at its first byte
#   VIRTOPS-READBACK name=... serial=... ok|bad   each second, that first sector read again with
#                                        direct I/O (past the guest's page cache): the disk the guest
#                                        runs on still holds what it wrote (block migration)
#   VIRTOPS-DIRTY mib=<n> pause=<s>      with virtops.dirty=<n> on the command line: a loop rewrites n MiB
#                                        of memory with random bytes, without end (a guest whose
#                                        migration does not converge on its own: auto-converge);
#                                        virtops.dirty_pause=<s> sleeps s seconds after each rewrite (a
#                                        light guest: the same n MiB dirtied again every s seconds)
#   VIRTOPS-NIC name=<ethN> mac=<mac> mtu=<mtu> queues=<rx queues>
#   VIRTOPS-NIC-PCI name=<ethN> pci=<address>   the guest PCI address the NIC sits at
#   VIRTOPS-NIC-ADDED name=<ethN> mac=<mac>   a NIC that appeared after boot (hot-plug, polled each second)
#   VIRTOPS-SHARE <tag> <file>: <line>   with virtops.share=<tag>: the virtiofs share is mounted and every
#                                        line of every file in it shown; then "VIRTOPS-SHARE-WROTE <tag>"
#                                        once the file from-guest (boot_id=<id>) is written into it
#   VIRTOPS-PORT <n> boot_id=<id>        with virtops.serials=<count>: written once to each serial port
#                                        ttyS1 .. ttyS<count-1> (ttyS0 is the console)
#   VIRTOPS-RNG current=<rng> bytes=<n>  the kernel's hardware RNG (virtio_rng.N) and 16 bytes read from it
#   VIRTOPS-DMI vendor=<v>|product=<p>|serial=<s>|family=<f>   the SMBIOS system the firmware described
#   VIRTOPS-BIOS vendor=<v>|version=<v>|date=<d>              the SMBIOS BIOS the firmware described
#   VIRTOPS-NUMA node=<n> cpus=<list> mem_kib=<total>   once per NUMA node the guest sees
#   VIRTOPS-EFI secure_boot=<0|1> setup_mode=<0|1>   booted by UEFI firmware (its SecureBoot/SetupMode variables)
#   VIRTOPS-TPM version=<major>          the guest has a TPM (a vTPM)
#   VIRTOPS-IP eth0 <cidr> static          with virtops.ip=<cidr> on the command line
#   VIRTOPS-DHCP eth0 ip=<ip> mask=<bits> hostname=<name>   with virtops.dhcp (busybox udhcpc)
#   VIRTOPS-PING <ip> ok|fail            with virtops.ping=<ip>: one ping each second
#   VIRTOPS-PING-FROM <src> <ip> ok|fail with virtops.spoof=<cidr> too: the same ping from an extra
#                                        address the network did not give (a spoofed source)
#   VIRTOPS-FS name=<dev> type=<fs> label=<l>  a disk that mounts as iso9660 or vfat, with the
#                                            cloud-init label that findfs finds it by (or "none")
#   VIRTOPS-FILE <dev>:<path> <content line>  every line of every file on such a disk
#   VIRTOPS-AGENT port=<vportNpM>       the domain has the guest agent's channel: qemu-ga serves it
#                                        (with virtops.agent_block=<rpc,...>: those commands disabled)
#   VIRTOPS-MOUNTED <dev> <dir>          with virtops.mount=<dev>: the ext4 disk is mounted on <dir>
#   VIRTOPS-SSH port=22                  with virtops.ssh_key=<base64 of an authorized_keys line> and the
#                                        initrd for Ansible targets: dropbear serves root with that key
#   VIRTOPS-TICK <n> boot_id=<id>        a counter every second (continuity across migration)
#   VIRTOPS-POWEROFF                     the ACPI power button was pressed; the guest powers off
# The kernel starts init without PATH; programs started from here (qemu-ga runs chpasswd) need one.
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /mnt /tmp /var/tmp
/bin/busybox chmod 1777 /tmp /var/tmp  # as on any Linux system: every user's temporary files
/bin/busybox chmod 755 /  # the kernel's rootfs is world-writable; root's home (/) must not be for SSH
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# Modules in dependency order (written by the image builder).
while read -r module; do
    insmod "/lib/modules/$module" 2>/dev/null
done < /etc/modules.order

boot_id=$(cat /proc/sys/kernel/random/boot_id)
echo "VIRTOPS-BOOTED boot_id=$boot_id"
echo "VIRTOPS-CMDLINE $(cat /proc/cmdline)"

disk_serial() {
    if [ -r "/sys/block/$1/serial" ]; then
        cat "/sys/block/$1/serial"
    elif [ -r "/sys/block/$1/device/vpd_pg80" ]; then
        # SCSI unit serial number page: 4 header bytes, then the serial.
        tail -c +5 "/sys/block/$1/device/vpd_pg80" | tr -d '\000'
    fi
}

list_disks() {
    for path in /sys/block/vd* /sys/block/sd* /sys/block/sr*; do
        [ -e "$path" ] || continue
        name=${path##*/}
        echo "name=$name serial=$(disk_serial "$name") sectors=$(cat "$path/size")"
    done
}

show_config_drives() {
    for path in /sys/block/vd* /sys/block/sd* /sys/block/sr*; do
        [ -e "$path" ] || continue
        name=${path##*/}
        mkdir -p "/mnt/$name"
        mounted=
        for fstype in iso9660 vfat; do
            mount -o ro -t "$fstype" "/dev/$name" "/mnt/$name" 2>/dev/null && mounted=$fstype && break
        done
        if [ -n "$mounted" ]; then
            found=none
            for label in config-2 CONFIG-2 cidata CIDATA; do
                [ "$(findfs "LABEL=$label" 2>/dev/null)" = "/dev/$name" ] && found=$label
            done
            echo "VIRTOPS-FS name=$name type=$mounted label=$found"
            find "/mnt/$name" -type f | sort | while read -r file; do
                while IFS= read -r line || [ -n "$line" ]; do
                    echo "VIRTOPS-FILE $name:${file#/mnt/"$name"} $line"
                done < "$file"
            done
            umount "/mnt/$name"
        fi
    done
}

list_disks | while read -r line; do echo "VIRTOPS-DISK $line"; done
kept=
for line in $(list_disks | cut -d' ' -f1,2 | tr ' ' ','); do
    name=${line#name=}; name=${name%%,*}; serial=${line#*serial=}
    case "$serial" in
        keep-*)
            printf 'VIRTOPS-DATA %s boot_id=%s\n' "$serial" "$boot_id" \
                | dd "of=/dev/$name" bs=512 count=1 conv=sync,fsync 2>/dev/null \
                && echo "VIRTOPS-KEPT name=$name serial=$serial" && kept="$kept $name:$serial"
            ;;
    esac
done
show_config_drives
for path in /sys/class/net/*; do
    name=${path##*/}
    [ "$name" = lo ] && continue
    queues=0
    for queue in "$path"/queues/rx-*; do
        [ -e "$queue" ] && queues=$((queues + 1))
    done
    echo "VIRTOPS-NIC name=$name mac=$(cat "$path/address") mtu=$(cat "$path/mtu") queues=$queues"
    pci=$(readlink -f "$path/device" 2>/dev/null)
    pci=${pci##*/}
    case "$pci" in
        virtio*) pci=$(readlink -f "$path/device/.."); pci=${pci##*/} ;;
    esac
    echo "VIRTOPS-NIC-PCI name=$name pci=$pci"
done

rng=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
if [ -n "$rng" ] && [ "$rng" != none ]; then
    echo "VIRTOPS-RNG current=$rng bytes=$(head -c 16 /dev/hwrng | wc -c)"
fi
for node in /sys/devices/system/node/node*; do
    [ -d "$node" ] || continue
    echo "VIRTOPS-NUMA node=${node##*node} cpus=$(cat "$node/cpulist") mem_kib=$(awk '/MemTotal/ {print $4}' "$node/meminfo")"
done
efi_var() {  # the variable's one byte of value, after its four bytes of attributes
    tail -c 1 "/sys/firmware/efi/efivars/$1-8be4df61-93ca-11d2-aa0d-00e098032b8c" 2>/dev/null | od -An -tu1 | tr -d ' '
}
if [ -d /sys/firmware/efi ]; then
    mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>/dev/null
    echo "VIRTOPS-EFI secure_boot=$(efi_var SecureBoot) setup_mode=$(efi_var SetupMode)"
fi
if [ -r /sys/class/tpm/tpm0/tpm_version_major ]; then
    echo "VIRTOPS-TPM version=$(cat /sys/class/tpm/tpm0/tpm_version_major)"
fi
dmi=/sys/class/dmi/id
echo "VIRTOPS-DMI vendor=$(cat $dmi/sys_vendor)|product=$(cat $dmi/product_name)|serial=$(cat $dmi/product_serial)|family=$(cat $dmi/product_family)"
echo "VIRTOPS-BIOS vendor=$(cat $dmi/bios_vendor)|version=$(cat $dmi/bios_version)|date=$(cat $dmi/bios_date)"

# React to the ACPI power button (libvirt's graceful shutdown) by powering off.
for event in /sys/class/input/event*; do
    [ -e "$event/device/name" ] || continue
    if [ "$(cat "$event/device/name")" = "Power Button" ]; then
        (dd "if=/dev/input/${event##*/}" bs=24 count=1 >/dev/null 2>&1
         echo "VIRTOPS-POWEROFF"; sync; poweroff -f) &
    fi
done

cmdline_arg() {
    sed -n "s/.*virtops\.$1=\([^ ]*\).*/\1/p" /proc/cmdline
}

if [ -e /sys/class/net/eth0 ]; then
    ip link set lo up
    ip link set eth0 up
    address=$(cmdline_arg ip)
    if [ -n "$address" ]; then
        ip addr add "$address" dev eth0 && echo "VIRTOPS-IP eth0 $address static"
    fi
    if grep -q 'virtops\.dhcp' /proc/cmdline; then
        cat > /udhcpc.sh <<'SCRIPT'
#!/bin/sh
case "$1" in
    bound|renew)
        ip addr flush dev "$interface"
        ip addr add "$ip/$mask" dev "$interface"
        echo "VIRTOPS-DHCP $interface ip=$ip mask=$mask hostname=${hostname:-none}" >/dev/console
        ;;
esac
SCRIPT
        chmod +x /udhcpc.sh
        udhcpc -i eth0 -q -n -t 30 -T 1 -s /udhcpc.sh >/dev/null 2>&1 || echo "VIRTOPS-DHCP eth0 none"
    fi
    spoof=$(cmdline_arg spoof)
    [ -n "$spoof" ] && ip addr add "$spoof" dev eth0
    target=$(cmdline_arg ping)
    if [ -n "$target" ]; then
        (while true; do
            if ping -c 1 -W 1 "$target" >/dev/null 2>&1; then echo "VIRTOPS-PING $target ok"
            else echo "VIRTOPS-PING $target fail"; fi
            if [ -n "$spoof" ]; then
                if ping -c 1 -W 1 -I "${spoof%/*}" "$target" >/dev/null 2>&1; then
                    echo "VIRTOPS-PING-FROM ${spoof%/*} $target ok"
                else
                    echo "VIRTOPS-PING-FROM ${spoof%/*} $target fail"
                fi
            fi
            sleep 1
        done) &
    fi
fi

hostname "$(cmdline_arg hostname)" 2>/dev/null || hostname virtops-guest
# Users for the guest agent's set-user-password (busybox chpasswd writes /etc/shadow).
printf 'root:x:0:0:root:/:/bin/sh\ntester:x:1000:1000:tester:/tmp:/bin/sh\n' > /etc/passwd
printf 'root:*:19000:0:99999:7:::\ntester:*:19000:0:99999:7:::\n' > /etc/shadow
printf 'root:x:0:\ntester:x:1000:\n' > /etc/group
# qemu-ga sets passwords with chpasswd ("user:password" lines on stdin, -e for a hash), which
# Debian's busybox lacks: this one hashes with busybox mkpasswd and edits /etc/shadow.
cat > /usr/sbin/chpasswd <<'SCRIPT'
#!/bin/sh
crypted=
[ "$1" = -e ] && crypted=yes
while IFS=: read -r user password; do
    [ -n "$crypted" ] || password=$(mkpasswd -m sha512 -- "$password") || exit 1  # -- : a password may start with -
    grep -q "^$user:" /etc/shadow || exit 1
    sed -i "s|^$user:[^:]*:|$user:$password:|" /etc/shadow
done
SCRIPT
chmod +x /usr/sbin/chpasswd
ssh_key=$(cmdline_arg ssh_key)
if [ -n "$ssh_key" ] && [ -x /usr/sbin/dropbear ]; then
    mkdir -p /.ssh /etc/dropbear && chmod 700 /.ssh  # root's home is /
    echo "$ssh_key" | base64 -d > /.ssh/authorized_keys && chmod 600 /.ssh/authorized_keys
    dropbear -R -p 22 && echo "VIRTOPS-SSH port=22"
fi
share=$(cmdline_arg share)
if [ -n "$share" ]; then
    mkdir -p "/mnt/$share"
    if mount -t virtiofs "$share" "/mnt/$share"; then
        for file in "/mnt/$share"/*; do
            [ -f "$file" ] || continue
            while IFS= read -r line; do
                echo "VIRTOPS-SHARE $share ${file##*/}: $line"
            done < "$file"
        done
        echo "boot_id=$boot_id" > "/mnt/$share/from-guest" && sync && echo "VIRTOPS-SHARE-WROTE $share"
    fi
fi
ports=$(cmdline_arg serials)
port=1
while [ -n "$ports" ] && [ "$port" -lt "$ports" ]; do
    echo "VIRTOPS-PORT $port boot_id=$boot_id" > "/dev/ttyS$port"
    port=$((port + 1))
done
mount_dev=$(cmdline_arg mount)
if [ -n "$mount_dev" ]; then
    mkdir -p /mnt/data && mount -t ext4 "/dev/$mount_dev" /mnt/data && echo "VIRTOPS-MOUNTED $mount_dev /mnt/data"
fi
# The QEMU guest agent, when the domain has its channel (a virtio-serial port of that name).
for port in /sys/class/virtio-ports/*; do
    [ "$(cat "$port/name" 2>/dev/null)" = org.qemu.guest_agent.0 ] || continue
    printf 'NAME="virtops test guest"\nID=virtops\nVERSION_ID=1\nPRETTY_NAME="virtops test guest 1"\n' > /etc/os-release
    blocked=$(cmdline_arg agent_block)
    /usr/sbin/qemu-ga -m virtio-serial -p "/dev/${port##*/}" -t /run ${blocked:+-b "$blocked"} >/dev/null 2>&1 &
    echo "VIRTOPS-AGENT port=${port##*/}"
done

dirty=$(sed -n 's/.*virtops\.dirty=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
dirty_pause=$(sed -n 's/.*virtops\.dirty_pause=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$dirty" ]; then
    (while true; do
        dd if=/dev/urandom of=/dirty bs=1M count="$dirty" conv=notrunc 2>/dev/null
        [ -z "$dirty_pause" ] || sleep "$dirty_pause"
    done) &
    echo "VIRTOPS-DIRTY mib=$dirty pause=${dirty_pause:-0}"
fi

known=$(list_disks | cut -d' ' -f1,2)
list_nics() {
    for path in /sys/class/net/*; do
        [ "${path##*/}" = lo ] || echo "name=${path##*/} mac=$(cat "$path/address")"
    done
}
nics=$(list_nics)
tick=0
while true; do
    sleep 1
    tick=$((tick + 1))
    echo "VIRTOPS-TICK $tick boot_id=$boot_id"
    for entry in $kept; do
        name=${entry%%:*}; serial=${entry#*:}
        if dd "if=/dev/$name" bs=512 count=1 iflag=direct 2>/dev/null \
                | grep -q "^VIRTOPS-DATA $serial boot_id=$boot_id"; then
            echo "VIRTOPS-READBACK name=$name serial=$serial ok"
        else
            echo "VIRTOPS-READBACK name=$name serial=$serial bad"
        fi
    done
    now=$(list_disks | cut -d' ' -f1,2)
    if [ "$now" != "$known" ]; then
        echo "$now" | while read -r line; do
            if [ -z "$line" ] || echo "$known" | grep -qxF "$line"; then continue; fi
            echo "VIRTOPS-DISK-ADDED $line"
            name=${line#name=}; name=${name%% *}; serial=${line#*serial=}
            case "$serial" in
                w-*)
                    printf 'VIRTOPS-DATA %s\n' "$serial" | dd "of=/dev/$name" bs=512 count=1 conv=sync,fsync 2>/dev/null \
                        && echo "VIRTOPS-WROTE name=$name serial=$serial"
                    ;;
            esac
        done
        echo "$known" | while read -r line; do
            [ -n "$line" ] && ! echo "$now" | grep -qxF "$line" && echo "VIRTOPS-DISK-REMOVED $line"
        done
        known=$now
    fi
    nics_now=$(list_nics)
    if [ "$nics_now" != "$nics" ]; then
        echo "$nics_now" | while read -r line; do
            [ -n "$line" ] && ! echo "$nics" | grep -qxF "$line" && echo "VIRTOPS-NIC-ADDED $line"
        done
        nics=$nics_now
    fi
done
