namespace MLNet.Extensions.Experiments;

/// <summary>A tuner that continues trials; the runner keeps a trial's weights and optimizer state only while it may continue.</summary>
public interface IResumingTuner : ITuner
{
    /// <summary>Whether <paramref name="trialId"/> may still be proposed again with more epochs.</summary>
    bool MayContinue(int trialId);

    /// <summary>Epochs of the longest rung (network candidates use it as their schedule's horizon).</summary>
    int MaxEpochs { get; }
}
