/**
 * jextract-generated FFM bindings over headers/linuxns.h. Generated code lives in
 * {@code io.linuxns.bindings}; this module descriptor is the only hand-written file here.
 */
module io.linuxns.bindings {
    exports io.linuxns.bindings;
}
