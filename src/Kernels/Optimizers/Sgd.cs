namespace MLNet.Extensions.Kernels.Optimizers;

/// <summary>Stochastic gradient descent with momentum and Nesterov's variant, over a flat parameter buffer (PyTorch's semantics).</summary>
public static class Sgd
{
    /// <summary>
    /// g := grad + weightDecay * p; v := momentum * v + g; p -= lr * (nesterov ? g + momentum * v : v).
    /// With momentum 0, velocity is not touched and may be empty.
    /// </summary>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> velocity,
        float learningRate, float momentum, bool nesterov, float weightDecay)
        {
        if (!(float.IsFinite(learningRate) && learningRate > 0))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Must be positive and finite.");
        if (!(momentum >= 0 && momentum < 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Must be in [0, 1).");
        if (gradients.Length != parameters.Length || (momentum > 0 && velocity.Length != parameters.Length))
            throw new ArgumentException("gradients (and velocity when momentum > 0) must match parameters in length.");
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i] + weightDecay * parameters[i];
            if (momentum == 0)
            {
                parameters[i] -= learningRate * g;
                continue;
            }
            velocity[i] = momentum * velocity[i] + g;
            parameters[i] -= learningRate * (nesterov ? g + momentum * velocity[i] : velocity[i]);
        }
    }
}
