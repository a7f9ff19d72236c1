package io.linuxns.cli;

import io.linuxns.NamespaceType;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The eight namespace options of {@code unshare} and {@code nsenter}, described once (the
 * {@linkplain #TABLE table}) and made into picocli options by a model transformer, in the two
 * ways util-linux parses them:
 * <ul>
 * <li>{@link Style#UNSHARE}: the short letters {@code -m -u -i -n -p -U -C -T} take no value
 *     (so {@code -rmu} is three options), and only the long forms take an attached file to
 *     persist the namespace on ({@code --net=FILE});
 * <li>{@link Style#NSENTER}: short and long forms alike take an optional attached file to enter
 *     instead of the target's namespace ({@code --net=FILE}, {@code -nFILE}).
 * </ul>
 * The options come first in the command's help, as in util-linux's.
 */
final class NamespaceOptions {
    /** How the options are parsed, and what they say in the help. */
    enum Style {
        UNSHARE("Unshare the %s; persist it on FILE if given."),
        NSENTER("Enter the %s of the target, or the one FILE is.");

        final String description;

        Style(String description) {
            this.description = description;
        }
    }

    /** One namespace option: its type, short letter, long name and what the namespace holds. */
    record Entry(NamespaceType type, char letter, String longName, String what) {}

    static final List<Entry> TABLE = List.of(
            new Entry(NamespaceType.MOUNT, 'm', "mount", "mount namespace"),
            new Entry(NamespaceType.UTS, 'u', "uts", "UTS namespace (hostname, domain name)"),
            new Entry(NamespaceType.IPC, 'i', "ipc", "System V IPC namespace"),
            new Entry(NamespaceType.NETWORK, 'n', "net", "network namespace"),
            new Entry(NamespaceType.PID, 'p', "pid", "PID namespace"),
            new Entry(NamespaceType.USER, 'U', "user", "user namespace"),
            new Entry(NamespaceType.CGROUP, 'C', "cgroup", "cgroup namespace"),
            new Entry(NamespaceType.TIME, 'T', "time", "time namespace"));

    private final Style style;
    private final Map<NamespaceType, Optional<Path>> selected = new EnumMap<>(NamespaceType.class);

    NamespaceOptions(Style style) {
        this.style = style;
    }

    /**
     * {@return the types asked for, each with its file if one was given} in the order of
     * {@link NamespaceType}. A flag and a file for the same type: the file counts.
     */
    Map<NamespaceType, Optional<Path>> selected() {
        return new EnumMap<>(selected);
    }

    /** Selects {@code type} as its flag does ({@code -u}, {@code --uts}): without a file, unless one was given. */
    void select(NamespaceType type) {
        selected.putIfAbsent(type, Optional.empty());
    }

    /** Implemented by the commands that have namespace options, for {@link Transformer}. */
    interface Holder {
        NamespaceOptions namespaces();
    }

    /**
     * Adds the options of the command's {@link NamespaceOptions} to its spec, before the others;
     * those in their {@code order} where the command gives one, the rest (picocli's -h and -V)
     * after them. picocli reads annotated fields in declaration order but annotated methods in
     * the order reflection lists them, which changes from run to run (unshare's -r and -c).
     */
    static final class Transformer implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            List<OptionSpec> others = new ArrayList<>(spec.options());
            for (ArgSpec o : others) spec.remove(o);
            ((Holder) spec.userObject()).namespaces().addTo(spec);
            others.sort(Comparator.comparingInt(o -> o.order() < 0 ? Integer.MAX_VALUE : o.order()));
            for (OptionSpec o : others) spec.addOption(o);
            return spec;
        }
    }

    private void addTo(CommandSpec spec) {
        for (Entry e : TABLE) {
            String description = style.description.formatted(e.what());
            if (style == Style.UNSHARE) {
                // Hidden: OneLineHelp shows it on the line of its long form.
                spec.addOption(OptionSpec.builder("-" + e.letter()).type(boolean.class).arity("0").hidden(true)
                        .description("Same as --" + e.longName() + ".")
                        .getter(new Value(null)).setter(new Value(e.type(), true)).build());
                spec.addOption(withFile(OptionSpec.builder("--" + e.longName()), e).description(description).build());
            } else {
                spec.addOption(withFile(OptionSpec.builder("-" + e.letter(), "--" + e.longName()), e).description(description).build());
            }
        }
    }

    private OptionSpec.Builder withFile(OptionSpec.Builder b, Entry e) {
        return b.type(String.class).arity("0..1").paramLabel("FILE").preprocessor(new AttachedValueOnly())
                .getter(new Value(null)).setter(new Value(e.type(), false));
    }

    /** Records a namespace option's value; reads as unset (picocli asks for initial values). */
    private final class Value implements CommandLine.Model.IGetter, CommandLine.Model.ISetter {
        private final NamespaceType type;
        private final boolean flag;

        Value(NamespaceType type) {
            this(type, false);
        }

        Value(NamespaceType type, boolean flag) {
            this.type = type;
            this.flag = flag;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return null;
        }

        @Override
        public <T> T set(T value) {
            if (type == null || value == null || Boolean.FALSE.equals(value)) return null;
            if (flag || AttachedValueOnly.NONE.equals(value)) select(type);
            else selected.put(type, Optional.of(Path.of((String) value)));
            return null;
        }
    }
}
