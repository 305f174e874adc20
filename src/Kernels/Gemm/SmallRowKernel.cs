using ISimdP = MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// GEMM for a handful of rows of A (M &lt;= <see cref="MaxRows"/>), as scoring one sample produces: packing B would copy
/// more memory than the product reads, so each row of C is computed straight from B, as dot products with B's rows
/// (B transposed) or as a sum of B's rows scaled by A (B as stored).
/// </summary>
internal static unsafe class SmallRowKernel<TOps, TVector>
    where TOps : ISimdP.ISimd<TVector>
    where TVector : struct
{
    /// <summary>Largest M this path takes.</summary>
    public const int MaxRows = 2;

    public static void Run(in GemmProblem p, float* a, float* b, float* c)
    {
        int w = TOps.Count;
        float* dots = stackalloc float[4];
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
                    int j = 0;
                    for (; j <= p.N - 4; j += 4)
                    {
                        // Four rows of B per pass share each load of A's row and keep four independent FMA chains busy.
                        Dot4(aRow, b + (long)j * p.Ldb, p.Ldb, p.K, w, dots);
                        for (int q = 0; q < 4; q++)
                            cRow[j + q] = p.Beta == 0 ? p.Alpha * dots[q] : p.Alpha * dots[q] + p.Beta * cRow[j + q];
                    }
                    for (; j < p.N; j++)
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

    private static void Dot4(float* x, float* rows, int stride, int length, int w, float* result)
    {
        TVector s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
        float* r0 = rows, r1 = rows + stride, r2 = rows + 2L * stride, r3 = rows + 3L * stride;
        int k = 0;
        for (; k <= length - w; k += w)
        {
            TVector v = TOps.Load(x + k);
            s0 = TOps.MultiplyAdd(v, TOps.Load(r0 + k), s0);
            s1 = TOps.MultiplyAdd(v, TOps.Load(r1 + k), s1);
            s2 = TOps.MultiplyAdd(v, TOps.Load(r2 + k), s2);
            s3 = TOps.MultiplyAdd(v, TOps.Load(r3 + k), s3);
        }
        float* lanes = stackalloc float[4 * 64];
        TOps.Store(s0, lanes);
        TOps.Store(s1, lanes + 64);
        TOps.Store(s2, lanes + 128);
        TOps.Store(s3, lanes + 192);
        for (int q = 0; q < 4; q++)
        {
            float total = 0;
            for (int l = 0; l < w; l++)
                total += lanes[q * 64 + l];
            float* row = rows + (long)q * stride;
            for (int t = k; t < length; t++)
                total += x[t] * row[t];
            result[q] = total;
        }
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
