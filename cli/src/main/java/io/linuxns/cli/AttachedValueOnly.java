package io.linuxns.cli;

import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.Map;
import java.util.Stack;

/**
 * For options whose value is optional ({@code --net[=FILE]}, {@code -w[DIR]}): the value counts
 * only when attached ({@code --net=FILE}, {@code -nFILE}), as with {@code getopt_long(3)}'s
 * optional arguments. Without this picocli would take the next word, so
 * {@code nsenter -t 1 -u hostname} would read "hostname" as the file of {@code -u}.
 */
final class AttachedValueOnly implements IParameterPreprocessor {
    /** The value an option gets when given without one. */
    static final String NONE = "";

    @Override
    public boolean preprocess(Stack<String> args, CommandSpec commandSpec, ArgSpec argSpec, Map<String, Object> info) {
        if (" ".equals(info.get("separator"))) args.push(NONE);
        return false; // picocli now consumes the pushed (or attached) value as usual
    }
}
