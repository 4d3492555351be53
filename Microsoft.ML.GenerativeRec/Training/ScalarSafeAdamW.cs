using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>TorchSharp's AdamW with a <see cref="step"/> that disposes every <see cref="Scalar"/> it creates.</summary>
/// <remarks>
/// TorchSharp 0.107's <c>AdamW.step</c> passes its coefficients as implicitly converted Scalars, about nine per parameter
/// and step (<c>mul_(β₁)</c>, <c>add_(grad, alpha: 1 − β₁)</c>, <c>add_(ε)</c> with its alpha of 1, ...), which only their
/// finalizer frees. Once the native handle is read the Scalar is unreachable, so a collection started by any thread can
/// finalize it while libtorch still reads it (docs/reliability.md, "TorchSharp Scalars"). This step performs the same
/// operations in the same order with the same values (so the same bits), but each Scalar is created explicitly and
/// disposed after the call. State, parameter groups, learning rates and checkpoints are AdamW's own: this is an AdamW.
/// </remarks>
internal sealed class ScalarSafeAdamW(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2, double weight_decay)
    : AdamW(parameters, lr, beta1, beta2, weight_decay: weight_decay)         // one parameter group, AdamW's defaults
{
    /// <summary>
    /// One AdamW update of every parameter that has a gradient: TorchSharp's <c>AdamW.step</c> line for line, without
    /// its <c>amsgrad</c> and <c>maximize</c> branches, which the constructor leaves off.
    /// </summary>
    /// <param name="closure">Recomputes the loss, or null.</param>
    /// <returns>The closure's loss, or null.</returns>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        return _step<ParamGroup>(group =>
        {
            var options = (Options)group.Options;
            double beta1 = options.beta1!.Value;
            double beta2 = options.beta2!.Value;
            double weightDecay = options.weight_decay!.Value;
            double eps = options.eps!.Value;
            double lr = options.LearningRate!.Value;
            using var decay = (1 - lr * weightDecay).ToScalar();
            using var beta1Scalar = beta1.ToScalar();
            using var oneMinusBeta1 = (1 - beta1).ToScalar();
            using var beta2Scalar = beta2.ToScalar();
            using var oneMinusBeta2 = (1 - beta2).ToScalar();
            using var epsScalar = eps.ToScalar();
            using var one = 1.ToScalar();                   // the alpha TorchSharp's add_(Scalar) passes

            foreach (var param in group.Parameters)
            {
                var state = (State)_state[param.Handle];
                var grad = param.grad;
                if (grad is null)
                    continue;
                state.step += 1;
                param.mul_(decay);
                double biasCorrection1 = 1 - Math.Pow(beta1, state.step);
                double biasCorrection2 = 1 - Math.Pow(beta2, state.step);
                state.exp_avg.mul_(beta1Scalar).add_(grad, oneMinusBeta1);
                state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad, oneMinusBeta2);
                using var correction2 = Math.Sqrt(biasCorrection2).ToScalar();
                var denom = state.exp_avg_sq.sqrt().div(correction2).add_(epsScalar, one);
                using var stepSize = (-(lr / biasCorrection1)).ToScalar();
                param.addcdiv_(state.exp_avg, denom, stepSize);
            }
        }, closure);
    }
}
