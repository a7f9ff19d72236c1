/**
 * The library's JDK Flight Recorder events ({@code linuxns.Spawn}, {@code linuxns.NamespaceEnter})
 * and the hooks that record them; internal, not exported.
 */
package io.linuxns.internal.jfr;
