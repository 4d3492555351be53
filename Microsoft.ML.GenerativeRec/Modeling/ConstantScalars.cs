using TorchSharp;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>The constant Scalars of one module, made once and disposed with it.</summary>
/// <remarks>
/// An implicit number → Scalar conversion inside an op leaves a finalizable Scalar behind at every call
/// (docs/reliability.md, "TorchSharp Scalars"); a module keeps its constants here instead and disposes them together.
/// </remarks>
internal sealed class ConstantScalars : IDisposable
{
    private readonly List<Scalar> _owned = [];

    /// <summary>Takes ownership of <paramref name="scalar"/> and returns it.</summary>
    public Scalar Own(Scalar scalar)
    {
        _owned.Add(scalar);
        return scalar;
    }

    public void Dispose()
    {
        foreach (var scalar in _owned)
        {
            scalar.Dispose();
        }

        _owned.Clear();
    }
}
