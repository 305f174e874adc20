namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// Keras' <c>ReduceLROnPlateau</c>: after <see cref="NetworkTrainingOptions.PlateauPatience"/> epochs in which the monitored
/// loss did not fall below the best by more than <see cref="NetworkTrainingOptions.PlateauMinDelta"/>, multiply the rate by
/// <see cref="NetworkTrainingOptions.PlateauFactor"/> (not below <see cref="NetworkTrainingOptions.MinLearningRate"/>), then
/// wait <see cref="NetworkTrainingOptions.PlateauCooldown"/> epochs before counting again. Its state lives across the calls
/// of a training session, so continued training reduces exactly as one run would.
/// </summary>
internal sealed class PlateauSchedule
{
    private readonly NetworkTrainingOptions _options;
    private double _best = double.PositiveInfinity;
    private int _wait;
    private int _cooldown;

    public PlateauSchedule(NetworkTrainingOptions options)
    {
        _options = options;
        Rate = options.LearningRate;
    }

    /// <summary>The rate for the next epoch.</summary>
    public float Rate { get; private set; }

    /// <summary>Takes an epoch's monitored loss; returns true when it lowered <see cref="Rate"/>.</summary>
    public bool Observe(double loss)
    {
        if (_cooldown > 0)
        {
            _cooldown--;
            _wait = 0;
        }
        if (loss < _best - _options.PlateauMinDelta)
        {
            _best = loss;
            _wait = 0;
            return false;
        }
        if (_cooldown > 0 || ++_wait < _options.PlateauPatience)
            return false;
        _wait = 0;
        if (Rate <= _options.MinLearningRate)
            return false;
        Rate = MathF.Max(Rate * _options.PlateauFactor, _options.MinLearningRate);
        _cooldown = _options.PlateauCooldown;
        return true;
    }
}
