namespace MLNet.Extensions.Kernels.Tests.Reference;

/// <summary>The textbook triple loop in double precision: the oracle for GEMM.</summary>
internal static class ReferenceGemm
{
    public static double[] Multiply(bool transA, bool transB, int m, int n, int k, double alpha, float[] a, int lda,
        float[] b, int ldb, double beta, float[] c, int ldc)
    {
        var result = new double[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int p = 0; p < k; p++)
                sum += (double)(transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
            result[i * n + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * ldc + j]);
        }
        return result;
    }
}
