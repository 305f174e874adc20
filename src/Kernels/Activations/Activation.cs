namespace MLNet.Extensions.Kernels.Activations;

/// <summary>Forward and backward of the elementwise nonlinearities in <see cref="ActivationKind"/>.</summary>
public static class Activation
{
    /// <summary>y[i] := f(x[i]). <paramref name="y"/> may be the same memory as <paramref name="x"/>.</summary>
    public static void Forward(ActivationKind kind, ReadOnlySpan<float> x, Span<float> y, float leakySlope = 0.01f)
        {
        if (y.Length != x.Length)
            throw new ArgumentException($"y has {y.Length} elements; expected {x.Length}.", nameof(y));
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = kind switch
            {
                ActivationKind.Relu => v > 0 ? v : 0,
                ActivationKind.LeakyRelu => v > 0 ? v : leakySlope * v,
                ActivationKind.Tanh => MathF.Tanh(v),
                _ => 1f / (1f + MathF.Exp(-v)),
            };
        }
    }

    /// <summary>
    /// dx[i] := dy[i] * f'(x[i]), using x (ReLU, Leaky ReLU) or the forward output y (Tanh, Sigmoid), whichever the kind needs.
    /// Overwrites dx; <paramref name="dx"/> may be the same memory as <paramref name="dy"/>.
    /// </summary>
    public static void Backward(ActivationKind kind, ReadOnlySpan<float> x, ReadOnlySpan<float> y,
        ReadOnlySpan<float> dy, Span<float> dx, float leakySlope = 0.01f)
        {
        if (dx.Length != dy.Length)
            throw new ArgumentException($"dx has {dx.Length} elements; expected {dy.Length}.", nameof(dx));
        for (int i = 0; i < dy.Length; i++)
        {
            dx[i] = kind switch
            {
                ActivationKind.Relu => x[i] > 0 ? dy[i] : 0,
                ActivationKind.LeakyRelu => x[i] > 0 ? dy[i] : leakySlope * dy[i],
                ActivationKind.Tanh => dy[i] * (1 - y[i] * y[i]),
                _ => dy[i] * y[i] * (1 - y[i]),
            };
        }
    }
}
