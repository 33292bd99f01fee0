package io.bayesvlm.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bayesvlm.core.Fixture;
import io.bayesvlm.core.head.LaplaceHead;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzTest {

    @Test
    void readsAnArchiveWrittenByNumpy() throws IOException {
        Map<String, NpyArray> head = Npz.read(Fixture.model().resolve("head.npz"));
        assertThat(head.keySet())
                .containsExactlyInAnyOrder(
                        LaplaceHead.IMAGE_PROJECTION,
                        LaplaceHead.IMAGE_A_INV,
                        LaplaceHead.IMAGE_B_INV,
                        LaplaceHead.TEXT_PROJECTION,
                        LaplaceHead.TEXT_A_INV,
                        LaplaceHead.TEXT_B_INV,
                        LaplaceHead.CLASS_TEXT_ACTIVATIONS);
        assertThat(head.get(LaplaceHead.IMAGE_PROJECTION).shape()).containsExactly(6, 12);
        NpyArray a = head.get(LaplaceHead.IMAGE_A_INV);
        assertThat(a.get(2, 5)).isEqualTo(a.get(5, 2)); // symmetric, so row/column order was read right
    }

    @Test
    void roundTripsThroughWriteAndRead(@TempDir Path dir) throws IOException {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("m", NpyArray.matrix(2, 3, new float[] {1, 2, 3, 4, 5, -6.5f}));
        arrays.put("v", NpyArray.vector(0.25f));
        arrays.put("s", NpyArray.scalar(1708.9452f));
        Path file = dir.resolve("x.npz");
        Npz.write(file, arrays);
        assertThat(Npz.read(file)).isEqualTo(arrays);
        assertThat(dir.toFile().list()).containsExactly("x.npz"); // no temporary file left behind
    }

    @Test
    void readsFortranOrderFloat64AndBigEndian() throws IOException {
        // [[1, 2, 3], [4, 5, 6]] stored column-major as float64: 1 4 2 5 3 6
        byte[] f8 = npy(
                "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                ByteOrder.LITTLE_ENDIAN,
                1,
                4,
                2,
                5,
                3,
                6);
        NpyArray a = Npz.readNpy(f8, "test");
        assertThat(a.data()).containsExactly(1, 2, 3, 4, 5, 6);
        byte[] be = npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", ByteOrder.BIG_ENDIAN, 7, 8);
        assertThat(Npz.readNpy(be, "test").data()).containsExactly(7, 8);
    }

    @Test
    void rejectsWhatItCannotRead() {
        assertThatThrownBy(() -> Npz.readNpy("not numpy".getBytes(StandardCharsets.US_ASCII), "x.npy"))
                .hasMessageContaining("bad magic");
        byte[] ints = npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> Npz.readNpy(ints, "x.npy")).hasMessageContaining("unsupported dtype '|u1'");
        byte[] shortData = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", ByteOrder.LITTLE_ENDIAN, 1);
        assertThatThrownBy(() -> Npz.readNpy(shortData, "x.npy")).hasMessageContaining("truncated");
    }

    private static byte[] npy(String dict, ByteOrder order, double... values) {
        byte[] header = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b =
                ByteBuffer.allocate(10 + header.length + 8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length);
        b.put(header);
        b.order(order);
        for (double v : values) {
            b.putDouble(v);
        }
        return b.array();
    }
}
