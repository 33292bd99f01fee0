package io.bayesvlm.core.laplace;

/**
 * The raw Kronecker factors of one projection, already divided by √N: A (p × p, input side) and
 * B (q × q, output side), with N the number of examples they were summed over. Row-major.
 */
public record KfacFactors(double[] a, int p, double[] b, int q, long n) {

    public KfacFactors {
        if (a.length != p * p || b.length != q * q) {
            throw new IllegalArgumentException("factor sizes do not match p=" + p + ", q=" + q);
        }
    }
}
