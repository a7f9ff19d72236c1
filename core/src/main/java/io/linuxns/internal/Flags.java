package io.linuxns.internal;

import io.linuxns.bindings.LinuxNs;

import java.util.LinkedHashMap;
import java.util.Map;

/** Renders raw flag masks by name for error messages, such as {@code CLONE_NEWNET|CLONE_NEWUTS}. */
public final class Flags {
    private Flags() {}

    private static final Map<Long, String> CLONE = new LinkedHashMap<>();
    private static final Map<Long, String> MOUNT = new LinkedHashMap<>();
    private static final Map<Long, String> OPEN = new LinkedHashMap<>();

    static {
        CLONE.put((long) LinuxNs.CLONE_NEWNS(), "CLONE_NEWNS");
        CLONE.put((long) LinuxNs.CLONE_NEWUTS(), "CLONE_NEWUTS");
        CLONE.put((long) LinuxNs.CLONE_NEWIPC(), "CLONE_NEWIPC");
        CLONE.put((long) LinuxNs.CLONE_NEWPID(), "CLONE_NEWPID");
        CLONE.put((long) LinuxNs.CLONE_NEWNET(), "CLONE_NEWNET");
        CLONE.put((long) LinuxNs.CLONE_NEWUSER(), "CLONE_NEWUSER");
        CLONE.put((long) LinuxNs.CLONE_NEWCGROUP(), "CLONE_NEWCGROUP");
        CLONE.put((long) LinuxNs.CLONE_NEWTIME(), "CLONE_NEWTIME");
        CLONE.put((long) LinuxNs.CLONE_FS(), "CLONE_FS");
        CLONE.put((long) LinuxNs.CLONE_FILES(), "CLONE_FILES");
        CLONE.put((long) LinuxNs.CLONE_VM(), "CLONE_VM");
        CLONE.put((long) LinuxNs.CLONE_VFORK(), "CLONE_VFORK");
        CLONE.put((long) LinuxNs.CLONE_PIDFD(), "CLONE_PIDFD");
        CLONE.put(LinuxNs.CLONE_INTO_CGROUP(), "CLONE_INTO_CGROUP");
        CLONE.put(LinuxNs.CLONE_CLEAR_SIGHAND(), "CLONE_CLEAR_SIGHAND");

        MOUNT.put((long) LinuxNs.MS_RDONLY(), "MS_RDONLY");
        MOUNT.put((long) LinuxNs.MS_NOSUID(), "MS_NOSUID");
        MOUNT.put((long) LinuxNs.MS_NODEV(), "MS_NODEV");
        MOUNT.put((long) LinuxNs.MS_NOEXEC(), "MS_NOEXEC");
        MOUNT.put((long) LinuxNs.MS_REMOUNT(), "MS_REMOUNT");
        MOUNT.put((long) LinuxNs.MS_BIND(), "MS_BIND");
        MOUNT.put((long) LinuxNs.MS_MOVE(), "MS_MOVE");
        MOUNT.put((long) LinuxNs.MS_REC(), "MS_REC");
        MOUNT.put((long) LinuxNs.MS_PRIVATE(), "MS_PRIVATE");
        MOUNT.put((long) LinuxNs.MS_SLAVE(), "MS_SLAVE");
        MOUNT.put((long) LinuxNs.MS_SHARED(), "MS_SHARED");
        MOUNT.put((long) LinuxNs.MS_UNBINDABLE(), "MS_UNBINDABLE");

        OPEN.put((long) LinuxNs.O_WRONLY(), "O_WRONLY");
        OPEN.put((long) LinuxNs.O_RDWR(), "O_RDWR");
        OPEN.put((long) LinuxNs.O_CREAT(), "O_CREAT");
        OPEN.put((long) LinuxNs.O_EXCL(), "O_EXCL");
        OPEN.put((long) LinuxNs.O_TRUNC(), "O_TRUNC");
        OPEN.put((long) LinuxNs.O_APPEND(), "O_APPEND");
        OPEN.put((long) LinuxNs.O_DIRECTORY(), "O_DIRECTORY");
        OPEN.put((long) LinuxNs.O_NOFOLLOW(), "O_NOFOLLOW");
        OPEN.put((long) LinuxNs.O_PATH(), "O_PATH");
        OPEN.put((long) LinuxNs.O_CLOEXEC(), "O_CLOEXEC");
    }

    public static String clone(long flags) { return render(flags, CLONE, "0"); }

    public static String mount(long flags) { return render(flags, MOUNT, "0"); }

    public static String open(long flags) { return render(flags, OPEN, "O_RDONLY"); }

    private static String render(long flags, Map<Long, String> names, String zero) {
        if (flags == 0) return zero;
        StringBuilder sb = new StringBuilder();
        long rest = flags;
        for (Map.Entry<Long, String> e : names.entrySet()) {
            if ((rest & e.getKey()) == e.getKey()) {
                if (!sb.isEmpty()) sb.append('|');
                sb.append(e.getValue());
                rest &= ~e.getKey();
            }
        }
        if (rest != 0) {
            if (!sb.isEmpty()) sb.append('|');
            sb.append("0x").append(Long.toHexString(rest));
        }
        return sb.toString();
    }
}
