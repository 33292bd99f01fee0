package io.bayesvlm.demo.bench;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.lang.management.ManagementFactory;

/**
 * The process's CPU time, every thread (JIT and GC included), to the nanosecond: {@code clock_gettime} of
 * {@code CLOCK_PROCESS_CPUTIME_ID} through JNA. The JDK's {@code OperatingSystemMXBean.getProcessCpuTime} counts
 * in 10 ms steps on this machine, a tenth of a 12-photo round, which made the paired rounds' medians land on
 * multiples of 0.83 ms per photo. Where libc cannot be called, that bean is the fallback.
 */
final class ProcessCpu {
    private ProcessCpu() {}

    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;
    private static final boolean NATIVE = load();

    private static boolean load() {
        try {
            Native.register(ProcessCpu.class, NativeLibrary.getInstance("c"));
            return true;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false;
        }
    }

    private static native int clock_gettime(int clock, Pointer timespec);

    /** Nanoseconds of CPU this process has used. */
    static long nanos() {
        if (NATIVE) {
            try (Memory timespec = new Memory(16)) {
                if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, timespec) == 0) {
                    return timespec.getLong(0) * 1_000_000_000L + timespec.getLong(8);
                }
            }
        }
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
