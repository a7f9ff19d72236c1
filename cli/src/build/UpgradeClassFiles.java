import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassElement;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.MethodElement;
import java.lang.classfile.MethodModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Run by the {@code ./linuxns} launcher on JDK 25+ (it needs the {@code java.lang.classfile}
 * API, final in JDK 24) as a source-file program, once per build, before it makes the AOT cache:
 * {@code java UpgradeClassFiles.java JAR OUT}.
 *
 * <p>Writes OUT, a copy of JAR in which every class file older than Java 6 (version 50) is
 * rewritten as a Java 8 (version 52) class file with the stack map frames the split verifier
 * needs; nothing else in the classes changes. picocli is compiled for Java 5 (version 49), and the JDK's AOT cache
 * (JEP 483) cannot link such a class ahead of time ("Unlinked class not supported by
 * AOTClassLinking"; one verified by the old type-inferring verifier, which a version-50 class
 * without frames falls back to, is skipped too). So without this step picocli's ~180 classes,
 * and the CLI's classes that implement its interfaces, are parsed, verified and linked anew on
 * every run of {@code ./linuxns}. The jar the build makes (the artifact) is left as it is. The frames are computed by the class-file API from the code
 * itself; the JVM's verifier checks them on every load, so a wrong frame fails loudly.
 *
 * <p>OUT is written reproducibly: same entries, order, timestamps and compression.
 */
public final class UpgradeClassFiles {
    private static final int OLDEST_KEPT = 50;
    private static final int TARGET = 52;

    private UpgradeClassFiles() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java UpgradeClassFiles.java JAR OUT");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path target = Path.of(args[1]);
        List<ZipEntry> entries = new ArrayList<>();
        Map<String, byte[]> contents = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(jar))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                entries.add(e);
                contents.put(e.getName(), in.readAllBytes());
            }
        }
        // Stack map frames need the common super class of two types: look the jar's own classes up
        // in the jar, the JDK's in the JDK.
        ClassHierarchyResolver inJar = ClassHierarchyResolver.ofResourceParsing(desc -> {
            String d = desc.descriptorString();
            byte[] b = contents.get(d.substring(1, d.length() - 1) + ".class");
            return b == null ? null : (InputStream) new ByteArrayInputStream(b);
        });
        ClassFile cf = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(inJar.orElse(ClassHierarchyResolver.defaultResolver())),
                ClassFile.StackMapsOption.GENERATE_STACK_MAPS);
        int upgraded = 0;
        for (ZipEntry e : entries) {
            byte[] b = contents.get(e.getName());
            if (!e.getName().endsWith(".class") || b.length < 8 || (b[0] & 0xff) != 0xca) continue;
            int major = ((b[6] & 0xff) << 8) | (b[7] & 0xff);
            if (major >= OLDEST_KEPT) continue;
            contents.put(e.getName(), upgrade(cf, cf.parse(b)));
            upgraded++;
        }
        try (OutputStream file = Files.newOutputStream(target); ZipOutputStream out = new ZipOutputStream(file)) {
            for (ZipEntry e : entries) {
                byte[] b = contents.get(e.getName());
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTime(e.getTime());
                if (e.getExtra() != null) copy.setExtra(e.getExtra());
                if (e.getComment() != null) copy.setComment(e.getComment());
                copy.setMethod(e.getMethod() == ZipEntry.STORED ? ZipEntry.STORED : ZipEntry.DEFLATED);
                if (copy.getMethod() == ZipEntry.STORED) {
                    var crc = new java.util.zip.CRC32();
                    crc.update(b);
                    copy.setSize(b.length);
                    copy.setCompressedSize(b.length);
                    copy.setCrc(crc.getValue());
                }
                out.putNextEntry(copy);
                out.write(b);
                out.closeEntry();
            }
        }
        System.out.println("UpgradeClassFiles: " + upgraded + " class files older than version " + OLDEST_KEPT
                + " rewritten as version " + TARGET + " in " + target.getFileName());
    }

    /** The same class at version 52: every method's code is re-emitted, so its frames are generated. */
    private static byte[] upgrade(ClassFile cf, ClassModel cm) {
        return cf.build(cm.thisClass().asSymbol(), cb -> {
            for (ClassElement ce : cm) {
                if (ce instanceof ClassFileVersion) {
                    cb.withVersion(TARGET, 0);
                } else if (ce instanceof MethodModel mm) {
                    cb.withMethod(mm.methodName(), mm.methodType(), mm.flags().flagsMask(), mb -> {
                        for (MethodElement me : mm) {
                            if (me instanceof CodeModel code) {
                                mb.withCode(xb -> {
                                    for (CodeElement x : code) xb.with(x);
                                });
                            } else {
                                mb.with(me);
                            }
                        }
                    });
                } else {
                    cb.with(ce);
                }
            }
        });
    }
}
