namespace MLNet.Extensions.Experiments;

/// <summary>One active parameter of a configuration.</summary>
/// <param name="Key">Unique path in the whole space (nested parameters carry their choice, e.g. <c>Optimizer=Sgd/Momentum</c>).</param>
/// <param name="Name">The name the parameter was declared with.</param>
/// <param name="Domain">Its domain.</param>
/// <param name="Raw">The raw value: the number, or the choice index.</param>
public sealed record ParameterValue(string Key, string Name, ParameterDomain Domain, double Raw)
{
    /// <summary>The user-facing value.</summary>
    public object Value => Domain.Decode(Raw);
}
