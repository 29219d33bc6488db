// Variable projection for the Chinchilla law (see varpro.h): the inner non-negative Huber problem in
// (E, A, B) and the bounded search over (alpha, beta).
#include "analysis/fit/varpro.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "analysis/fit/solver.h"
#include "common/error.h"

namespace sst::analysis::fit {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
using Vec3 = std::array<double, 3>;
using Mat3 = std::array<Vec3, 3>;

// Solves M_SS x_S = c_S for the variables in `mask` (Gaussian elimination with partial pivoting); false if
// the subsystem is singular.
bool solve_subset(const Mat3& m, const Vec3& c, unsigned mask, Vec3& x) {
  int idx[3], k = 0;
  for (int i = 0; i < 3; ++i)
    if (mask & (1u << i)) idx[k++] = i;
  double a[3][4];
  double scale = 0;
  for (int r = 0; r < k; ++r) {
    for (int s = 0; s < k; ++s) a[r][s] = m[idx[r]][idx[s]];
    a[r][k] = c[idx[r]];
    scale = std::max(scale, std::abs(a[r][r]));
  }
  for (int col = 0; col < k; ++col) {
    int piv = col;
    for (int r = col + 1; r < k; ++r)
      if (std::abs(a[r][col]) > std::abs(a[piv][col])) piv = r;
    if (!(std::abs(a[piv][col]) > 1e-13 * scale)) return false;
    for (int s = 0; s <= k; ++s) std::swap(a[col][s], a[piv][s]);
    for (int r = col + 1; r < k; ++r) {
      const double f = a[r][col] / a[col][col];
      for (int s = col; s <= k; ++s) a[r][s] -= f * a[col][s];
    }
  }
  x = {0, 0, 0};
  for (int r = k - 1; r >= 0; --r) {
    double v = a[r][k];
    for (int s = r + 1; s < k; ++s) v -= a[r][s] * x[idx[s]];
    x[idx[r]] = v / a[r][r];
  }
  return true;
}

// min x^T M x - 2 c^T x over x >= 0 for a 3x3 positive semi-definite M: the minimum lies in the relative
// interior of one face of the orthant, where it is that face's unconstrained minimum, so the best feasible
// face solution is exact.
Vec3 nnls3(const Mat3& m, const Vec3& c) {
  Vec3 best{0, 0, 0};
  double best_q = 0;
  for (unsigned mask = 1; mask < 8; ++mask) {
    Vec3 x;
    if (!solve_subset(m, c, mask, x)) continue;
    if (x[0] < 0 || x[1] < 0 || x[2] < 0) continue;
    double q = 0;
    for (int i = 0; i < 3; ++i) {
      q -= 2 * c[i] * x[i];
      for (int j = 0; j < 3; ++j) q += x[i] * m[i][j] * x[j];
    }
    if (q < best_q) best_q = q, best = x;
  }
  return best;
}

// The inner problem at fixed exponents, in scaled coefficients phi = (E, A sx, B sy) with rows
// u_i = (1, N_i^-alpha / sx, D_i^-beta / sy), u in (0, 1]: the three columns are of one scale.
class Inner {
 public:
  Inner(const Data& d, double alpha, double beta, double delta) : delta_(delta), u_(d.size()), logy_(d.size()) {
    for (size_t i = 0; i < d.size(); ++i) {
      u_[i] = {1.0, std::pow(d.n[i], -alpha), std::pow(d.d[i], -beta)};
      sx_ = std::max(sx_, u_[i][1]);
      sy_ = std::max(sy_, u_[i][2]);
      logy_[i] = std::log(d.loss[i]);
    }
    for (auto& u : u_) u[1] /= sx_, u[2] /= sy_;
  }

  double objective(const Vec3& phi) const {
    double h = 0;
    for (size_t i = 0; i < u_.size(); ++i) {
      const double p = phi[0] * u_[i][0] + phi[1] * u_[i][1] + phi[2] * u_[i][2];
      if (!(p > 0)) return kInf;
      h += huber(std::log(p) - logy_[i], delta_).value;
    }
    return h;
  }

  // `precise`: to the last digits (refinement); otherwise to about 1e-10 relative, enough to rank the
  // cells of the coarse grid.
  LinearPart solve(const LinearPart* warm, bool precise) const {
    Vec3 phi;
    if (warm && warm->objective < kInf) {
      phi = {warm->E, warm->A * sx_, warm->B * sy_};
    } else {  // relative least squares: (u.phi - L) / L, the log residual to first order
      Mat3 m{};
      Vec3 c{};
      for (size_t i = 0; i < u_.size(); ++i) {
        const double inv = std::exp(-logy_[i]);
        for (int a = 0; a < 3; ++a) {
          c[a] += u_[i][a] * inv;
          for (int b = 0; b < 3; ++b) m[a][b] += u_[i][a] * u_[i][b] * inv * inv;
        }
      }
      phi = nnls3(m, c);
    }
    double h = objective(phi);
    if (!(h < kInf)) phi = {std::exp(logy_[0]), 0, 0}, h = objective(phi);
    const int max_iterations = precise ? 400 : 40;
    const double tolerance = precise ? 1e-16 : 1e-10;
    for (int it = 0; it < max_iterations; ++it) {
      const double before = h;
      if (!newton_step(phi, h) && !irls_step(phi, h)) break;
      if (before - h <= tolerance * std::abs(before)) break;
    }
    return {phi[0], phi[1] / sx_, phi[2] / sy_, h};
  }

 private:
  // Residual quantities at phi: gradient g, Huber-weighted normal equations (m_w, c_w) for the IRLS step,
  // and the exact Hessian.
  struct Local {
    Vec3 g{};
    Mat3 mw{}, hess{};
    Vec3 cw{};
  };
  Local local(const Vec3& phi) const {
    Local l;
    for (size_t i = 0; i < u_.size(); ++i) {
      const double p = phi[0] * u_[i][0] + phi[1] * u_[i][1] + phi[2] * u_[i][2];
      const double r = std::log(p) - logy_[i];
      const Huber h = huber(r, delta_);
      const double w = std::abs(r) <= delta_ ? 1.0 : delta_ / std::abs(r);  // psi(r) / r
      Vec3 a;
      for (int k = 0; k < 3; ++k) a[k] = u_[i][k] / p;  // d r / d phi
      for (int k = 0; k < 3; ++k) {
        l.g[k] += h.psi * a[k];
        l.cw[k] += w * a[k] * (1.0 - r);  // a . phi = 1: the Gauss-Newton target of a . phi'
        for (int j = 0; j < 3; ++j) {
          l.mw[k][j] += w * a[k] * a[j];
          l.hess[k][j] += (h.dpsi - h.psi) * a[k] * a[j];  // d2r/dphi2 = -a a^T
        }
      }
    }
    return l;
  }

  // Backtracking along phi + s d (s <= s_max keeps phi >= 0); true if the objective decreased.
  bool line_search(Vec3& phi, double& h, const Vec3& d, double s_max) const {
    for (double s = s_max; s > 1e-12 * s_max; s *= 0.5) {
      Vec3 trial;
      for (int k = 0; k < 3; ++k) trial[k] = std::max(0.0, phi[k] + s * d[k]);
      const double ht = objective(trial);
      if (ht < h) {
        phi = trial;
        h = ht;
        return true;
      }
    }
    return false;
  }

  // Newton on the free variables (those above 0, or at 0 with a descent direction into the orthant).
  bool newton_step(Vec3& phi, double& h) const {
    const Local l = local(phi);
    unsigned free = 0;
    for (int k = 0; k < 3; ++k)
      if (phi[k] > 0 || l.g[k] < 0) free |= 1u << k;
    if (!free) return false;
    Vec3 minus_g{-l.g[0], -l.g[1], -l.g[2]}, d;
    if (!solve_subset(l.hess, minus_g, free, d)) return false;
    double descent = 0;
    for (int k = 0; k < 3; ++k) descent += d[k] * l.g[k];
    if (!(descent < 0)) return false;  // not positive definite along d
    double s_max = 1;
    for (int k = 0; k < 3; ++k)
      if (d[k] < 0 && phi[k] > 0) s_max = std::min(s_max, phi[k] / -d[k]);
    return line_search(phi, h, d, s_max);
  }

  bool irls_step(Vec3& phi, double& h) const {
    const Local l = local(phi);
    const Vec3 next = nnls3(l.mw, l.cw);
    return line_search(phi, h, {next[0] - phi[0], next[1] - phi[1], next[2] - phi[2]}, 1.0);
  }

  double delta_;
  double sx_ = 0, sy_ = 0;
  std::vector<Vec3> u_;
  std::vector<double> logy_;
};

// The profile F(alpha, beta) with its envelope gradient; counts the inner solves.
class Profile {
 public:
  Profile(const Data& d, double delta) : d_(d), delta_(delta) {}
  struct Point {
    double alpha = 0, beta = 0;
    LinearPart part;
  };
  Point at(double alpha, double beta, const LinearPart* warm, bool precise = true) {
    ++evaluations;
    return {alpha, beta, Inner(d_, alpha, beta, delta_).solve(warm, precise)};
  }
  // dF/d(alpha, beta) = dh/d(alpha, beta) at the inner optimum (the envelope theorem).
  std::array<double, 2> gradient(const Point& p) const {
    std::array<double, 2> g{0, 0};
    for (size_t i = 0; i < d_.size(); ++i) {
      const double x = p.part.A * std::pow(d_.n[i], -p.alpha), y = p.part.B * std::pow(d_.d[i], -p.beta);
      const double pred = p.part.E + x + y;
      const double psi = huber(std::log(pred) - std::log(d_.loss[i]), delta_).psi;
      g[0] -= psi * x * std::log(d_.n[i]) / pred;
      g[1] -= psi * y * std::log(d_.d[i]) / pred;
    }
    return g;
  }
  size_t evaluations = 0;

 private:
  const Data& d_;
  double delta_;
};

// Projected Newton on the box [0, hi]^2 from `p`.
Profile::Point refine(Profile& f, Profile::Point p, double hi) {
  auto clamp = [hi](double v) { return std::min(hi, std::max(0.0, v)); };
  for (int it = 0; it < 100; ++it) {
    const auto g = f.gradient(p);
    // Hessian by central differences of the gradient (one-sided at a bound).
    double hess[2][2];
    for (int k = 0; k < 2; ++k) {
      const double z = k == 0 ? p.alpha : p.beta, step = 1e-5 * std::max(1.0, z);
      const double lo = clamp(z - step), up = clamp(z + step);
      const auto plo = k == 0 ? f.at(lo, p.beta, &p.part) : f.at(p.alpha, lo, &p.part);
      const auto pup = k == 0 ? f.at(up, p.beta, &p.part) : f.at(p.alpha, up, &p.part);
      const auto glo = f.gradient(plo), gup = f.gradient(pup);
      for (int j = 0; j < 2; ++j) hess[j][k] = (gup[j] - glo[j]) / (up - lo);
    }
    const double off = 0.5 * (hess[0][1] + hess[1][0]);
    hess[0][1] = hess[1][0] = off;
    // A coordinate on its bound with the gradient pushing outwards stays there.
    const double z[2] = {p.alpha, p.beta};
    bool fixed[2];
    for (int k = 0; k < 2; ++k) fixed[k] = (z[k] <= 0 && g[k] > 0) || (z[k] >= hi && g[k] < 0);
    double d[2] = {0, 0};
    if (!fixed[0] && !fixed[1]) {
      const double det = hess[0][0] * hess[1][1] - off * off;
      if (hess[0][0] > 0 && det > 0) {
        d[0] = -(hess[1][1] * g[0] - off * g[1]) / det;
        d[1] = -(hess[0][0] * g[1] - off * g[0]) / det;
      }
    } else {
      for (int k = 0; k < 2; ++k)
        if (!fixed[k] && hess[k][k] > 0) d[k] = -g[k] / hess[k][k];
    }
    if (d[0] * g[0] + d[1] * g[1] >= 0) {  // not a descent direction: a scaled gradient step
      for (int k = 0; k < 2; ++k) d[k] = fixed[k] ? 0 : -g[k] / (std::abs(hess[k][k]) + 1e-12);
    }
    bool improved = false;
    for (double s = 1; s > 1e-10; s *= 0.5) {
      const auto trial = f.at(clamp(p.alpha + s * d[0]), clamp(p.beta + s * d[1]), &p.part);
      if (trial.part.objective < p.part.objective) {
        const double gain = p.part.objective - trial.part.objective;
        const double moved = std::max(std::abs(trial.alpha - p.alpha), std::abs(trial.beta - p.beta));
        p = trial;
        improved = gain > 1e-16 * std::abs(trial.part.objective) && moved > 1e-13;
        break;
      }
    }
    if (!improved) break;
  }
  return p;
}

}  // namespace

LinearPart solve_linear_part(const Data& data, double alpha, double beta, double delta, const LinearPart* warm) {
  validate(data);
  return Inner(data, alpha, beta, delta).solve(warm, /*precise=*/true);
}

VarProResult fit_varpro(const Data& data, const VarProOptions& o) {
  validate(data);
  if (data.size() < 5)
    throw UserError("scaling fit needs at least 5 points (it has 5 parameters), got " + std::to_string(data.size()));
  if (!(o.delta > 0) || !std::isfinite(o.delta)) throw UserError("--delta must be a positive number");
  if (!(o.exponent_max > 0) || o.grid < 2 || o.refine < 1)
    throw UserError("variable projection: needs exponent_max > 0, a grid of at least 2 and refine >= 1");
  Profile f(data, o.delta);
  const int g = o.grid;
  std::vector<Profile::Point> grid(static_cast<size_t>(g * g));
  auto cell = [g](int ia, int ib) {
    return static_cast<size_t>(ia) * static_cast<size_t>(g) + static_cast<size_t>(ib);
  };
  const LinearPart* warm = nullptr;
  for (int ia = 0; ia < g; ++ia)
    for (int k = 0; k < g; ++k) {
      const int ib = ia % 2 == 0 ? k : g - 1 - k;  // serpentine: each start is next to the previous one
      const double alpha = o.exponent_max * ia / (g - 1), beta = o.exponent_max * ib / (g - 1);
      grid[cell(ia, ib)] = f.at(alpha, beta, warm, /*precise=*/false);
      warm = &grid[cell(ia, ib)].part;
    }
  // Local minima of the grid (no lower neighbour among the eight), best first.
  std::vector<size_t> minima;
  for (int ia = 0; ia < g; ++ia)
    for (int ib = 0; ib < g; ++ib) {
      bool lowest = true;
      for (int da = -1; da <= 1 && lowest; ++da)
        for (int db = -1; db <= 1; ++db) {
          const int na = ia + da, nb = ib + db;
          if ((da || db) && na >= 0 && na < g && nb >= 0 && nb < g &&
              grid[cell(na, nb)].part.objective < grid[cell(ia, ib)].part.objective) {
            lowest = false;
            break;
          }
        }
      if (lowest) minima.push_back(cell(ia, ib));
    }
  std::sort(minima.begin(), minima.end(),
            [&](size_t x, size_t y) { return grid[x].part.objective < grid[y].part.objective; });
  if (minima.size() > static_cast<size_t>(o.refine)) minima.resize(static_cast<size_t>(o.refine));
  Profile::Point best;
  best.part.objective = kInf;
  for (size_t c : minima) {
    const Profile::Point start = f.at(grid[c].alpha, grid[c].beta, &grid[c].part);
    const Profile::Point p = refine(f, start, o.exponent_max);
    if (p.part.objective < best.part.objective) best = p;
  }
  if (!(best.part.objective < kInf)) throw UserError("scaling fit: no finite objective on the exponent grid");
  VarProResult r;
  r.law = ScalingLaw{best.part.E, best.part.A, best.part.B, best.alpha, best.beta};
  r.objective = best.part.objective;
  r.n_points = data.size();
  r.profile_evaluations = f.evaluations;
  const double tol = 1e-9 * o.exponent_max;
  r.alpha_on_bound = best.alpha <= tol || best.alpha >= o.exponent_max - tol;
  r.beta_on_bound = best.beta <= tol || best.beta >= o.exponent_max - tol;
  r.E_zero = best.part.E == 0;
  r.A_zero = best.part.A == 0;
  r.B_zero = best.part.B == 0;
  return r;
}

}  // namespace sst::analysis::fit
