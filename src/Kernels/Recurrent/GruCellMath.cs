using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>
/// The per-step elementwise work of a reset-after GRU, vectorized: both biases, the gate nonlinearities and the state
/// update in one pass forward, and the input-side and recurrent-side gate gradients in one pass backward.
/// Gates of one sample are laid out r, z, n, each H wide; a cache row is r, z, n, hn (4H) with hn = W_hn h + b_hn.
/// </summary>
internal static unsafe class GruCellMath
{
    /// <summary>
    /// From the input projection x W_ih^T (first 3H of <paramref name="cacheRow"/>) and the recurrent projection h W_hh^T
    /// (<paramref name="recurrent"/>, 3H): r = sigmoid(.), z = sigmoid(.), hn = W_hn h + b_hn, n = tanh(x_n + b_in + r hn),
    /// h = (1 - z) n + z hPrev. Overwrites the cache row with r, z, n, hn.
    /// </summary>
    public static void Forward(float* cacheRow, float* recurrent, float* inputBias, float* recurrentBias, float* hPrev, float* h, int hidden)
    {
        switch (KernelSettings.EffectiveVectorWidth)
        {
            case VectorWidth.Bits512: Forward<Simd512, Vector512<float>>(cacheRow, recurrent, inputBias, recurrentBias, hPrev, h, hidden); break;
            case VectorWidth.Bits256: Forward<Simd256, Vector256<float>>(cacheRow, recurrent, inputBias, recurrentBias, hPrev, h, hidden); break;
            case VectorWidth.Bits128: Forward<Simd128, Vector128<float>>(cacheRow, recurrent, inputBias, recurrentBias, hPrev, h, hidden); break;
            default: Forward<SimdScalar, float>(cacheRow, recurrent, inputBias, recurrentBias, hPrev, h, hidden); break;
        }
    }

    /// <summary>
    /// From dh (gradient at h, including the recurrent part): writes the pre-activation gradients of the input side
    /// dInputGates = (dr, dz, dn) and of the recurrent side dRecurrentGates = (dr, dz, r dn), and dhPrev := dh z,
    /// the part of the gradient at hPrev that bypasses W_hh.
    /// </summary>
    public static void Backward(float* cacheRow, float* hPrev, float* dh, float* dInputGates, float* dRecurrentGates, float* dhPrev, int hidden)
    {
        switch (KernelSettings.EffectiveVectorWidth)
        {
            case VectorWidth.Bits512: Backward<Simd512, Vector512<float>>(cacheRow, hPrev, dh, dInputGates, dRecurrentGates, dhPrev, hidden); break;
            case VectorWidth.Bits256: Backward<Simd256, Vector256<float>>(cacheRow, hPrev, dh, dInputGates, dRecurrentGates, dhPrev, hidden); break;
            case VectorWidth.Bits128: Backward<Simd128, Vector128<float>>(cacheRow, hPrev, dh, dInputGates, dRecurrentGates, dhPrev, hidden); break;
            default: Backward<SimdScalar, float>(cacheRow, hPrev, dh, dInputGates, dRecurrentGates, dhPrev, hidden); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<TOps, TVector>(float* cacheRow, float* recurrent, float* inputBias, float* recurrentBias, float* hPrev, float* h, int hidden)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        int w = TOps.Count, j = 0;
        for (; j <= hidden - w; j += w)
            ForwardLanes<TOps, TVector>(cacheRow, recurrent, inputBias, recurrentBias, hPrev, h, hidden, j);
        for (; j < hidden; j++)
            ForwardLanes<SimdScalar, float>(cacheRow, recurrent, inputBias, recurrentBias, hPrev, h, hidden, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardLanes<TOps, TVector>(float* cacheRow, float* recurrent, float* inputBias, float* recurrentBias, float* hPrev, float* h, int hidden, int j)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        int jz = hidden + j, jn = 2 * hidden + j;
        TVector rPre = TOps.Add(TOps.Add(TOps.Load(cacheRow + j), TOps.Load(inputBias + j)),
            TOps.Add(TOps.Load(recurrent + j), TOps.Load(recurrentBias + j)));
        TVector zPre = TOps.Add(TOps.Add(TOps.Load(cacheRow + jz), TOps.Load(inputBias + jz)),
            TOps.Add(TOps.Load(recurrent + jz), TOps.Load(recurrentBias + jz)));
        TVector r = GateFunctions.Sigmoid<TOps, TVector>(rPre);
        TVector z = GateFunctions.Sigmoid<TOps, TVector>(zPre);
        TVector hn = TOps.Add(TOps.Load(recurrent + jn), TOps.Load(recurrentBias + jn));
        TVector nPre = TOps.MultiplyAdd(r, hn, TOps.Add(TOps.Load(cacheRow + jn), TOps.Load(inputBias + jn)));
        TVector n = GateFunctions.Tanh<TOps, TVector>(nPre);
        TOps.Store(r, cacheRow + j);
        TOps.Store(z, cacheRow + jz);
        TOps.Store(n, cacheRow + jn);
        TOps.Store(hn, cacheRow + 3 * hidden + j);
        // h = (1 - z) n + z hPrev = n + z (hPrev - n)
        TOps.Store(TOps.MultiplyAdd(z, TOps.Subtract(TOps.Load(hPrev + j), n), n), h + j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward<TOps, TVector>(float* cacheRow, float* hPrev, float* dh, float* dInputGates, float* dRecurrentGates, float* dhPrev, int hidden)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        int w = TOps.Count, j = 0;
        for (; j <= hidden - w; j += w)
            BackwardLanes<TOps, TVector>(cacheRow, hPrev, dh, dInputGates, dRecurrentGates, dhPrev, hidden, j);
        for (; j < hidden; j++)
            BackwardLanes<SimdScalar, float>(cacheRow, hPrev, dh, dInputGates, dRecurrentGates, dhPrev, hidden, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardLanes<TOps, TVector>(float* cacheRow, float* hPrev, float* dh, float* dInputGates, float* dRecurrentGates, float* dhPrev, int hidden, int j)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        TVector one = TOps.Broadcast(1f);
        int jz = hidden + j, jn = 2 * hidden + j;
        TVector r = TOps.Load(cacheRow + j), z = TOps.Load(cacheRow + jz), n = TOps.Load(cacheRow + jn), hn = TOps.Load(cacheRow + 3 * hidden + j);
        TVector dhj = TOps.Load(dh + j);
        // h = n + z (hPrev - n): dn = dh (1 - z) (1 - n^2), dz = dh (hPrev - n) z (1 - z); n = tanh(x_n + r hn): dr = dn hn r (1 - r).
        TVector dn = TOps.Multiply(TOps.Multiply(dhj, TOps.Subtract(one, z)), TOps.Subtract(one, TOps.Multiply(n, n)));
        TVector dz = TOps.Multiply(TOps.Multiply(dhj, TOps.Subtract(TOps.Load(hPrev + j), n)), TOps.Multiply(z, TOps.Subtract(one, z)));
        TVector dr = TOps.Multiply(TOps.Multiply(dn, hn), TOps.Multiply(r, TOps.Subtract(one, r)));
        TOps.Store(dr, dInputGates + j);
        TOps.Store(dz, dInputGates + jz);
        TOps.Store(dn, dInputGates + jn);
        TOps.Store(dr, dRecurrentGates + j);
        TOps.Store(dz, dRecurrentGates + jz);
        TOps.Store(TOps.Multiply(dn, r), dRecurrentGates + jn);
        TOps.Store(TOps.Multiply(dhj, z), dhPrev + j);
    }
}
