export {
  makeCertificate,
  type NginxHandle as RunningNginx,
  nginxBinary as requireNginx,
  nginxTest,
  startNginx,
} from '../../../../test/utils/nginx.js';
