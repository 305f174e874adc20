namespace MLNet.Extensions.Kernels.Activations;

/// <summary>Forward and backward of the elementwise nonlinearities in <see cref="ActivationKind"/>.</summary>
public static class Activation
{
    /// <summary>y[i] := f(x[i]). <paramref name="y"/> may be the same memory as <paramref name="x"/>.</summary>
    public static void Forward(ActivationKind kind, ReadOnlySpan<float> x, Span<float> y, float leakySlope = 0.01f)
        => throw new NotImplementedException();

    /// <summary>
    /// dx[i] := dy[i] * f'(x[i]), using x (ReLU, Leaky ReLU) or the forward output y (Tanh, Sigmoid), whichever the kind needs.
    /// Overwrites dx; <paramref name="dx"/> may be the same memory as <paramref name="dy"/>.
    /// </summary>
    public static void Backward(ActivationKind kind, ReadOnlySpan<float> x, ReadOnlySpan<float> y,
        ReadOnlySpan<float> dy, Span<float> dx, float leakySlope = 0.01f)
        => throw new NotImplementedException();
}
