namespace MLNet.Extensions.Kernels.Optimizers;

/// <summary>RMSProp over a flat parameter buffer (PyTorch's semantics, not centered).</summary>
public static class RmsProp
{
    /// <summary>
    /// g := grad + weightDecay * p; s := alpha s + (1-alpha) g^2; with momentum: b := momentum b + g / (sqrt(s) + eps), p -= lr b;
    /// without: p -= lr g / (sqrt(s) + eps). momentumBuffer may be empty when momentum is 0.
    /// </summary>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> squareAverage,
        Span<float> momentumBuffer, float learningRate, float alpha, float epsilon, float momentum, float weightDecay)
        {
        if (!(float.IsFinite(learningRate) && learningRate > 0))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Must be positive and finite.");
        if (!(alpha >= 0 && alpha < 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Must be in [0, 1).");
        if (gradients.Length != parameters.Length || squareAverage.Length != parameters.Length || (momentum > 0 && momentumBuffer.Length != parameters.Length))
            throw new ArgumentException("gradients and state buffers must match parameters in length.");
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i] + weightDecay * parameters[i];
            squareAverage[i] = alpha * squareAverage[i] + (1 - alpha) * g * g;
            float update = g / (MathF.Sqrt(squareAverage[i]) + epsilon);
            if (momentum > 0)
            {
                momentumBuffer[i] = momentum * momentumBuffer[i] + update;
                update = momentumBuffer[i];
            }
            parameters[i] -= learningRate * update;
        }
    }
}
