using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>In-place parameter initialisers with PyTorch's semantics, used by the modules' <c>ResetParameters</c>.</summary>
/// <remarks>
/// Each runs under <c>torch.no_grad()</c>, so it may be applied to leaf parameters that require gradients; plain
/// normal, uniform and zero fills are TorchSharp's <c>nn.init</c>, which does the same. We write
/// the Xavier initialisers ourselves because TorchSharp's <c>nn.init.xavier_normal_</c> (0.107) calls the native
/// uniform initialiser: the reference's xavier_normal_ would silently become xavier_uniform_.
/// </remarks>
internal static class ParameterInit
{
    private const double TruncationInStandardDeviations = 2.0;   // init.py::truncated_normal keeps draws in (−2σ, 2σ), hstu-spec.md §3.6

    /// <summary>Fills <paramref name="tensor"/> from N(0, std²) truncated at ±2σ (<c>init.py::truncated_normal</c>, hstu-spec.md §3.6).</summary>
    /// <remarks>
    /// PyTorch's inverse-CDF method: u ~ U(2Φ(−2) − 1, 2Φ(2) − 1), x = √2·erfinv(u)·std. The reference instead keeps the
    /// first of 4 normal draws inside (−2, 2), which differs only when all 4 miss (probability 4e-6), and needs 4× the
    /// table in memory. TorchSharp's <c>nn.init.trunc_normal_</c> (0.107) swaps mean and std and drops the √2, so it
    /// returns a constant for mean 0.
    /// </remarks>
    public static void TruncatedNormal(Tensor tensor, double std)
    {
        using var noGrad = no_grad();
        double lower = 2 * NormalCdf(-TruncationInStandardDeviations) - 1;
        double upper = 2 * NormalCdf(TruncationInStandardDeviations) - 1;
        using var scale = (Math.Sqrt(2.0) * std).ToScalar();      // explicit Scalars, disposed here, not by the finalizer
        using var lowest = (-TruncationInStandardDeviations * std).ToScalar();
        using var highest = (TruncationInStandardDeviations * std).ToScalar();
        tensor.uniform_(lower, upper).erfinv_().mul_(scale).clamp_(lowest, highest);
    }

    /// <summary>PyTorch's <c>xavier_normal_</c>: N(0, 2 / (fan_in + fan_out)).</summary>
    public static void XavierNormal(Tensor tensor)
    {
        var (fanIn, fanOut) = FanInAndFanOut(tensor);
        nn.init.normal_(tensor, std: Math.Sqrt(2.0 / (fanIn + fanOut)));
    }

    /// <summary>PyTorch's <c>xavier_uniform_</c>: U(±√(6 / (fan_in + fan_out))).</summary>
    public static void XavierUniform(Tensor tensor)
    {
        var (fanIn, fanOut) = FanInAndFanOut(tensor);
        double bound = Math.Sqrt(6.0 / (fanIn + fanOut));
        nn.init.uniform_(tensor, -bound, bound);
    }

    /// <summary>PyTorch's default <c>Linear</c>/<c>Conv1d</c> bias: U(±1/√fan_in), fan_in from <paramref name="weight"/>.</summary>
    public static void DefaultBias(Tensor bias, Tensor weight)
    {
        var (fanIn, _) = FanInAndFanOut(weight);
        nn.init.uniform_(bias, -1.0 / Math.Sqrt(fanIn), 1.0 / Math.Sqrt(fanIn));
    }

    // Φ(x) = (1 + erf(x / √2)) / 2, with erf from torch so no numerics are hand-written.
    private static double NormalCdf(double x)
    {
        using var value = tensor(x / Math.Sqrt(2.0), ScalarType.Float64);
        using var erf = value.erf();
        return (1 + erf.item<double>()) / 2;
    }

    // torch.nn.init._calculate_fan_in_and_fan_out: dim 1 is the input, dim 0 the output, the rest the receptive field.
    private static (long FanIn, long FanOut) FanInAndFanOut(Tensor tensor)
    {
        if (tensor.dim() < 2)
        {
            throw new ArgumentException(
                $"Fan in and fan out need a tensor of 2 or more dimensions, got shape [{string.Join(", ", tensor.shape)}].",
                nameof(tensor));
        }
        long receptiveField = 1;
        for (int i = 2; i < tensor.dim(); i++)
            receptiveField *= tensor.shape[i];
        return (tensor.shape[1] * receptiveField, tensor.shape[0] * receptiveField);
    }
}
