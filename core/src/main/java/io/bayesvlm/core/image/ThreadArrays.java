package io.bayesvlm.core.image;

/**
 * Arrays a thread reuses from one image to the next, by slot: a photo's decoded planes (864 KB at 960 × 600) and
 * their resized results were most of what loading it allocated, and a heap cycling through fresh memory pays for it
 * in zeroing and page faults (2.5 ms of kernel time per photo on the benchmark machine). A caller owns a slot's array
 * only until it asks for that slot again on the same thread; arrays may be longer than asked. Arrays above
 * {@link #KEPT} bytes are handed out but not kept.
 */
final class ThreadArrays {
    private ThreadArrays() {}

    static final int SLOTS = 3;
    private static final long KEPT = 16 << 20;

    private final byte[][] bytes = new byte[SLOTS][0];
    private final int[][] ints = new int[SLOTS][0];

    private static final ThreadLocal<ThreadArrays> MINE = ThreadLocal.withInitial(ThreadArrays::new);

    /** This thread's byte array for {@code slot}, at least {@code size} long. */
    static byte[] bytes(int slot, int size) {
        ThreadArrays mine = MINE.get();
        if (mine.bytes[slot].length < size) {
            byte[] fresh = new byte[size];
            if (size <= KEPT) {
                mine.bytes[slot] = fresh;
            }
            return fresh;
        }
        return mine.bytes[slot];
    }

    /** This thread's int array for {@code slot}, at least {@code size} long. */
    static int[] ints(int slot, int size) {
        ThreadArrays mine = MINE.get();
        if (mine.ints[slot].length < size) {
            int[] fresh = new int[size];
            if (4L * size <= KEPT) {
                mine.ints[slot] = fresh;
            }
            return fresh;
        }
        return mine.ints[slot];
    }
}
