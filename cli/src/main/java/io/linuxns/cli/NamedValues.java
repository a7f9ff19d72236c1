package io.linuxns.cli;

import io.linuxns.Propagation;
import io.linuxns.SetGroups;
import picocli.CommandLine;

import java.util.Locale;

/**
 * picocli converters for options whose values are an enum's constants in lower case, with
 * util-linux's message for a value that is none of them ({@link UsageErrors} prints it as is).
 */
abstract class NamedValues<E extends Enum<E>> implements CommandLine.ITypeConverter<E> {
    private final Class<E> type;
    private final String unknown;

    NamedValues(Class<E> type, String unknown) {
        this.type = type;
        this.unknown = unknown;
    }

    @Override
    public E convert(String value) {
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(value)) return e;
        }
        throw new CommandLine.TypeConversionException(unknown.formatted(value));
    }

    /** {@code unshare --setgroups allow|deny}. */
    static final class SetGroupsValue extends NamedValues<SetGroups> {
        SetGroupsValue() {
            super(SetGroups.class, "unsupported --setgroups argument '%s' (use allow or deny)");
        }
    }

    /** {@code unshare --propagation private|shared|slave|unchanged}. */
    static final class PropagationValue extends NamedValues<Propagation> {
        PropagationValue() {
            super(Propagation.class, "unsupported propagation mode: %s");
        }
    }
}
