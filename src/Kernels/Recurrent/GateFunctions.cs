using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>
/// Sigmoid and tanh for the recurrent cells on a single-precision exp (Cephes' expf: range reduction by ln 2 and a degree-5
/// polynomial, about 2 ulp). The runtime's vector exp widens to double for every lane; with five of them per hidden unit
/// and step it was a tenth of LSTM scoring. Scalar lanes use MathF.Exp.
/// </summary>
internal static class GateFunctions
{
    /// <summary>1 / (1 + exp(-x)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Sigmoid<TOps, TVector>(TVector x) where TOps : ISimd<TVector> where TVector : struct
    {
        TVector one = TOps.Broadcast(1f);
        return TOps.Reciprocal(TOps.Add(one, Exp<TOps, TVector>(TOps.Subtract(TOps.Zero, x))));
    }

    /// <summary>tanh(x) = 2 sigmoid(2x) - 1, finite for any x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Tanh<TOps, TVector>(TVector x) where TOps : ISimd<TVector> where TVector : struct
    {
        TVector s = Sigmoid<TOps, TVector>(TOps.Add(x, x));
        return TOps.Subtract(TOps.Add(s, s), TOps.Broadcast(1f));
    }

    /// <summary>exp(x) per lane; inputs are clamped to [-87.3, 88.3], where the result stays a normal float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Exp<TOps, TVector>(TVector x) where TOps : ISimd<TVector> where TVector : struct
    {
        if (TOps.Count == 1)
            return TOps.Exp(x);
        x = TOps.Clamp(x, TOps.Broadcast(Low), TOps.Broadcast(High));
        TVector n = TOps.Floor(TOps.MultiplyAdd(x, TOps.Broadcast(Log2E), TOps.Broadcast(0.5f)));
        TVector r = TOps.MultiplyAdd(n, TOps.Broadcast(-Ln2High), x);
        r = TOps.MultiplyAdd(n, TOps.Broadcast(-Ln2Low), r);
        TVector p = TOps.MultiplyAdd(TOps.Broadcast(P0), r, TOps.Broadcast(P1));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(P2));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(P3));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(P4));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(P5));
        p = TOps.MultiplyAdd(p, TOps.Multiply(r, r), TOps.Add(r, TOps.Broadcast(1f)));
        return TOps.ScaleByPowerOfTwo(p, n);
    }

    private const float Log2E = 1.44269504088896341f, Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f,
        P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    private const float Low = -87.3f, High = 88.3f;
}
