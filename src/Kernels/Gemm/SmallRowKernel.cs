using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// GEMM for a handful of rows of A (M &lt;= <see cref="MaxRows"/>), as scoring one sample produces: packing B would copy
/// more memory than the product reads, so each row of C is computed straight from B, as dot products with B's rows
/// (B transposed) or as a sum of B's rows scaled by A (B as stored).
/// </summary>
internal static unsafe class SmallRowKernel<TOps, TVector>
    where TOps : ISimd<TVector>
    where TVector : struct
{
    /// <summary>Largest M this path takes.</summary>
    public const int MaxRows = 2;

    public static void Run(in GemmProblem p, float* a, float* b, float* c)
    {
        int w = TOps.Count;
        for (int i = 0; i < p.M; i++)
        {
            float* cRow = c + (long)i * p.Ldc;
            // Row i of op(A) is contiguous unless A is transposed; gather it once in that case.
            float* aRow = a + (long)i * p.Lda;
            float* gathered = null;
            if (p.TransposeA)
            {
                gathered = (float*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)p.K, sizeof(float));
                for (int k = 0; k < p.K; k++)
                    gathered[k] = a[(long)k * p.Lda + i];
                aRow = gathered;
            }
            try
            {
                if (p.TransposeB)
                {
                    for (int j = 0; j < p.N; j++)
                    {
                        float dot = Dot(aRow, b + (long)j * p.Ldb, p.K, w);
                        cRow[j] = p.Beta == 0 ? p.Alpha * dot : p.Alpha * dot + p.Beta * cRow[j];
                    }
                }
                else
                {
                    if (p.Beta == 0)
                        new Span<float>(cRow, p.N).Clear();
                    else if (p.Beta != 1)
                        Scale(cRow, p.N, p.Beta, w);
                    for (int k = 0; k < p.K; k++)
                        AddScaled(cRow, b + (long)k * p.Ldb, p.N, p.Alpha * aRow[k], w);
                }
            }
            finally
            {
                if (gathered != null)
                    System.Runtime.InteropServices.NativeMemory.Free(gathered);
            }
        }
    }

    private static float Dot(float* x, float* y, int length, int w)
    {
        TVector s0 = TOps.Zero, s1 = TOps.Zero;
        int k = 0;
        for (; k <= length - 2 * w; k += 2 * w)
        {
            s0 = TOps.MultiplyAdd(TOps.Load(x + k), TOps.Load(y + k), s0);
            s1 = TOps.MultiplyAdd(TOps.Load(x + k + w), TOps.Load(y + k + w), s1);
        }
        for (; k <= length - w; k += w)
            s0 = TOps.MultiplyAdd(TOps.Load(x + k), TOps.Load(y + k), s0);
        float* lanes = stackalloc float[64];
        TOps.Store(TOps.Add(s0, s1), lanes);
        float sum = 0;
        for (int l = 0; l < w; l++)
            sum += lanes[l];
        for (; k < length; k++)
            sum += x[k] * y[k];
        return sum;
    }

    private static void AddScaled(float* destination, float* source, int length, float scale, int w)
    {
        TVector s = TOps.Broadcast(scale);
        int j = 0;
        for (; j <= length - w; j += w)
            TOps.Store(TOps.MultiplyAdd(TOps.Load(source + j), s, TOps.Load(destination + j)), destination + j);
        for (; j < length; j++)
            destination[j] += scale * source[j];
    }

    private static void Scale(float* values, int length, float scale, int w)
    {
        TVector s = TOps.Broadcast(scale);
        int j = 0;
        for (; j <= length - w; j += w)
            TOps.Store(TOps.Multiply(TOps.Load(values + j), s), values + j);
        for (; j < length; j++)
            values[j] *= scale;
    }
}
